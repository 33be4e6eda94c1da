<?php

declare(strict_types=1);

namespace Vitrinalab\Vitrina;

use Bitrix\Main\Config\Option;
use Bitrix\Main\Page\Asset;

/**
 * The storefront search widget Vitrina serves (a script, e.g. https://vitrina.example.kz/widget.js):
 * added to every public page of the site through Bitrix's Asset manager, so no template file is
 * edited and uninstalling the module removes it.
 */
final class Widget
{
    public static function inject(): void
    {
        if ((\defined('ADMIN_SECTION') && ADMIN_SECTION === true) || Option::get(Settings::MODULE_ID, 'widget_enabled') !== 'Y') {
            return;
        }
        $url = Option::get(Settings::MODULE_ID, 'widget_url');
        if (!preg_match('#^https?://#', $url)) {
            return;
        }
        Asset::getInstance()->addString(self::snippet($url));
    }

    /**
     * The tag itself, the same as Vitrina's /widget page shows (``defer``: the widget runs once
     * the page is parsed, so its ``data-target`` finds the shop's search box), also shown on the
     * settings page for a template that wants it by hand.
     */
    public static function snippet(string $url): string
    {
        return '<script src="' . htmlspecialcharsbx($url) . '" defer></script>';
    }
}
