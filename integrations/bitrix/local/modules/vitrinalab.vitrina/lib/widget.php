<?php

declare(strict_types=1);

namespace Vitrinalab\Vitrina;

use Bitrix\Main\Config\Option;
use Bitrix\Main\Page\Asset;

/**
 * The storefront search widget Vitrina serves (a script, e.g. https://vitrina.example.kz/widget.js):
 * added to every public page of the site through Bitrix's Asset manager, so no template file is
 * edited and uninstalling the module removes it.
 *
 * «Похожие букеты»: on a catalog product page the same script with data-similar-to="<element id>"
 * draws a row of similar bouquets where its tag is. The id is the one Bitrix's catalog complex
 * component leaves in $GLOBALS['CATALOG_CURRENT_ELEMENT_ID'] (its element.php template sets it for
 * the "viewed"/"recommended" blocks); the tag goes in at OnEndBufferContent, when the page is
 * complete, before </body> — or, with data-target, into the element the shop names.
 *
 * A shop on several sites maps them to Vitrina shops ("widget_shops", as VITRINA_BITRIX_SITE_SHOPS):
 * each site's tag then carries data-shop-id, so its customers see its own bouquets and pages.
 */
final class Widget
{
    public static function inject(): void
    {
        if (self::isAdmin() || Option::get(Settings::MODULE_ID, 'widget_enabled') !== 'Y') {
            return;
        }
        $url = Option::get(Settings::MODULE_ID, 'widget_url');
        if (!preg_match('#^https?://#', $url)) {
            return;
        }
        Asset::getInstance()->addString(self::snippet($url, self::shopOfSite()));
    }

    /**
     * The tag itself, the same as Vitrina's /widget page shows (``defer``: the widget runs once
     * the page is parsed, so its ``data-target`` finds the shop's search box), also shown on the
     * settings page for a template that wants it by hand.
     *
     * @param array<string, string> $attributes data-* attributes
     */
    public static function snippet(string $url, array $attributes = []): string
    {
        $extra = '';
        foreach ($attributes as $name => $value) {
            $extra .= ' ' . $name . '="' . htmlspecialcharsbx($value) . '"';
        }

        return '<script src="' . htmlspecialcharsbx($url) . '"' . $extra . ' defer></script>';
    }

    /** The page with the «Похожие букеты» row added, when the option is on and this is a product page. */
    public static function withSimilar(string $content, mixed $elementId): string
    {
        $id = filter_var($elementId, FILTER_VALIDATE_INT, ['options' => ['min_range' => 1]]);
        $url = Option::get(Settings::MODULE_ID, 'widget_url');
        if ($id === false || self::isAdmin() || Option::get(Settings::MODULE_ID, 'similar_enabled') !== 'Y' || !preg_match('#^https?://#', $url)) {
            return $content;
        }
        $end = strripos($content, '</body>');
        if ($end === false) {
            return $content; // not an HTML page (JSON of an AJAX call, a file)
        }
        $target = Option::get(Settings::MODULE_ID, 'similar_target');
        $tag = self::snippet($url, ['data-similar-to' => (string) $id] + ($target !== '' ? ['data-target' => $target] : []) + self::shopOfSite());

        return substr($content, 0, $end) . $tag . "\n" . substr($content, $end);
    }

    /**
     * The "widget_shops" option, "s1=1, s2=2" (as Vitrina's VITRINA_BITRIX_SITE_SHOPS): site id =>
     * Vitrina shop id; null when it is not such a list (the settings page refuses it).
     *
     * @return array<string, int>|null
     */
    public static function siteShops(string $value): ?array
    {
        $shops = [];
        foreach (preg_split('/[\s,;]+/', trim($value)) ?: [] as $pair) {
            if ($pair === '') {
                continue;
            }
            if (!preg_match('/^([A-Za-z0-9_]{1,2})=([1-9][0-9]{0,17})$/', $pair, $m)) {
                return null;
            }
            $shops[$m[1]] = (int) $m[2];
        }

        return $shops;
    }

    /**
     * data-shop-id for this site, when the shop maps its sites to Vitrina shops: the widget then
     * searches only this site's shop and links to this site's pages.
     *
     * @return array<string, string>
     */
    private static function shopOfSite(): array
    {
        $shops = self::siteShops(Option::get(Settings::MODULE_ID, 'widget_shops')) ?? [];
        $site = \defined('SITE_ID') ? (string) SITE_ID : '';

        return isset($shops[$site]) ? ['data-shop-id' => (string) $shops[$site]] : [];
    }

    /** A CSS selector safe inside an attribute (or none). */
    public static function isSelector(string $value): bool
    {
        return mb_strlen($value) <= 200 && !preg_match('/["\'<>`\x00-\x1f]/', $value);
    }

    private static function isAdmin(): bool
    {
        return \defined('ADMIN_SECTION') && ADMIN_SECTION === true;
    }
}
