<?php

/*
 * What the module adds for the shop's customers and developer, over real HTTP on the stand-in
 * site: «Похожие букеты» on catalog product pages, and the settings page's Requests tab (the
 * address and secret for VITRINA_LEAD_WEBHOOK_URL / _SECRET, never the secret in full).
 */

declare(strict_types=1);

require __DIR__ . '/lib/site.php';

use Bitrix\Main\Config\Option;
use Vitrinalab\Vitrina\Signer;

const WIDGET = 'https://vitrina.example.kz/widget.js';

function site_server(Shop $shop, array $env = []): array
{
    return start_server(BITRIX_ROOT . '/standin/router.php', $env + ['STANDIN_ROOT' => $shop->root, 'VITRINA_STANDIN_DB' => $shop->db]);
}

function get(string $url): string
{
    $response = (new \Vitrinalab\Vitrina\BitrixHttpTransport())->request('GET', $url, [], null, 20.0);
    same(200, $response->status, $url);

    return $response->body;
}

/**
 * The settings page (in English) on a stand-in site, and a complete form for it with $fields over
 * the module's usual settings.
 *
 * @return array{0: string, 1: array<string, mixed>}
 */
function settings_page(Shop $shop, array $fields): array
{
    $server = site_server($shop, ['STANDIN_LANG' => 'en']);
    $form = [
        'sessid' => StandIn::$sessid, 'save' => 'Y', 'vitrina_url' => 'http://vitrina.test', 'secret' => '', 'source' => 'iblock',
        'iblock_ids' => [(string) $shop->catalog], 'price_type_id' => '2', 'product_url_base' => 'https://flowers.kz',
        'prop_height' => 'HEIGHT', 'prop_width' => 'WIDTH', 'prop_composition' => 'COMPOSITION', 'prop_type' => 'TYPE', 'prop_more_photo' => 'MORE_PHOTO',
        'send_rate' => '20', 'bulk_batch' => '500', 'batch_size' => '50', 'timeout_s' => '5',
    ];

    return [$server['url'] . '/bitrix/admin/settings.php?mid=vitrinalab.vitrina&lang=en', $fields + $form];
}

function post_form(string $url, array $form): string
{
    $response = (new \Vitrinalab\Vitrina\BitrixHttpTransport())->request('POST', $url, ['Content-Type' => 'application/x-www-form-urlencoded'], http_build_query($form), 20.0);
    same(200, $response->status, $url);

    return $response->body;
}

test('«Похожие букеты»: when on, a product page gets the widget with data-similar-to its id; other pages and the admin do not', function (): void {
    $shop = new_shop();
    install_module($shop, ['widget_url' => WIDGET]);
    $id = add_product($shop, 'Розы', 15000);
    $server = site_server($shop);
    check(!str_contains(get("{$server['url']}/catalog/{$id}/"), 'data-similar-to'), 'off by default');
    Option::set(MODULE_ID, 'similar_enabled', 'Y');
    $page = get("{$server['url']}/catalog/{$id}/");
    $tag = '<script src="' . WIDGET . '" data-similar-to="' . $id . '" defer></script>';
    check(str_contains($page, $tag . "\n</body>"), "the row's tag at the end of the body: {$page}");
    same(1, substr_count($page, 'data-similar-to'), 'once');
    check(!str_contains(get("{$server['url']}/catalog/"), 'data-similar-to'), 'not on the catalog list');
    check(!str_contains(get("{$server['url']}/catalog/no-such-bouquet/"), 'data-similar-to'), 'not on a page without a product');
    check(!str_contains(get("{$server['url']}/bitrix/admin/settings.php?mid=main"), 'data-similar-to'), 'not in the admin');
    Option::set(MODULE_ID, 'similar_target', '#similar-here');
    check(str_contains(get("{$server['url']}/catalog/{$id}/"), 'data-similar-to="' . $id . '" data-target="#similar-here" defer'), 'into the element named');
    Option::set(MODULE_ID, 'widget_url', '');
    check(!str_contains(get("{$server['url']}/catalog/{$id}/"), 'data-similar-to'), 'no script address, no tag');
});

test('a shop on several sites: the widget and «Похожие букеты» of each site carry its Vitrina shop; an unmapped site none', function (): void {
    $shop = new_shop();
    install_module($shop, ['widget_url' => WIDGET, 'widget_enabled' => 'Y', 'similar_enabled' => 'Y', 'widget_shops' => 's1=1, s2=2']);
    $id = add_product($shop, 'Розы', 15000);
    foreach (['s1' => '1', 's2' => '2'] as $site => $shopId) {
        $server = site_server($shop, ['STANDIN_SITE' => $site]);
        $page = get("{$server['url']}/catalog/{$id}/");
        check(str_contains($page, '<script src="' . WIDGET . '" data-shop-id="' . $shopId . '" defer></script>'), "the button's tag on {$site}: {$page}");
        check(str_contains($page, 'data-similar-to="' . $id . '" data-shop-id="' . $shopId . '" defer'), "the row's tag on {$site}");
    }
    $server = site_server($shop, ['STANDIN_SITE' => 's3']);
    check(!str_contains(get("{$server['url']}/catalog/{$id}/"), 'data-shop-id'), 'a site not in the list searches every shop');
});

test('the settings page refuses site shops that are not «site=number» pairs and saves good ones', function (): void {
    $shop = new_shop();
    install_module($shop);
    [$url, $form] = settings_page($shop, ['widget_url' => WIDGET, 'similar_target' => '']);
    $page = post_form($url, ['widget_shops' => 's1=first, s2=2'] + $form);
    check(str_contains($page, 'Settings not saved'), 'refused');
    check(str_contains($page, 'got &quot;s1=first, s2=2&quot;'), 'the value is named');
    same('', Option::get(MODULE_ID, 'widget_shops'), 'nothing saved');
    check(str_contains(post_form($url, ['widget_shops' => 's1=1, s2=2'] + $form), 'Settings saved'), 'saved');
    same('s1=1, s2=2', Option::get(MODULE_ID, 'widget_shops'), 'kept as typed');
});

test('the settings page saves the «Похожие букеты» option and refuses a selector that would break the tag', function (): void {
    $shop = new_shop();
    install_module($shop);
    [$url, $form] = settings_page($shop, ['widget_url' => '', 'similar_enabled' => 'Y', 'similar_target' => '"><script>alert(1)</script>']);
    $page = post_form($url, $form);
    check(str_contains($page, 'Settings not saved'), 'refused');
    check(str_contains($page, 'A CSS selector without quotes'), 'the selector is named');
    check(str_contains($page, 'got &quot;&quot;'), 'the widget address is required for the row');
    same('N', Option::get(MODULE_ID, 'similar_enabled'), 'nothing saved');
    check(str_contains(post_form($url, ['widget_url' => WIDGET, 'similar_target' => '.product-item-detail'] + $form), 'Settings saved'), 'saved');
    same(['Y', '.product-item-detail', 'N'], [Option::get(MODULE_ID, 'similar_enabled'), Option::get(MODULE_ID, 'similar_target'), Option::get(MODULE_ID, 'widget_enabled')]);
});

test('the Requests tab shows the address for Vitrina and the secret only masked; a new secret is shown once', function (): void {
    $shop = new_shop();
    install_module($shop);
    $secret = Option::get(MODULE_ID, 'lead_secret');
    foreach (['ru' => ['Заявки', 'Адрес для заявок', 'заявок ещё не было', 'VITRINA_LEAD'], 'en' => ['Requests', 'Address for requests', 'no requests yet', 'VITRINA_LEAD']] as $lang => $texts) {
        $server = site_server($shop, ['STANDIN_LANG' => $lang]);
        $page = get("{$server['url']}/bitrix/admin/settings.php?mid=vitrinalab.vitrina&lang={$lang}");
        foreach ($texts as $text) {
            check(str_contains($page, $text), "{$lang}: '{$text}' on the page");
        }
        check(str_contains($page, 'VITRINA_LEAD_WEBHOOK_URL=https://flowers.kz/bitrix/tools/vitrinalab.vitrina/lead.php'), 'the address');
        check(str_contains($page, htmlspecialchars(substr($secret, 0, 10)) . '…'), 'the secret masked');
        check(!str_contains($page, substr($secret, 6)), 'never the secret itself');
        check(!preg_match('/VITRINALAB_VITRINA_|Warning|Notice|Fatal/', $page), "{$lang}: no missing message or PHP error");
        stop_server($server);
    }
    $server = site_server($shop, ['STANDIN_LANG' => 'en']);
    $url = "{$server['url']}/bitrix/admin/settings.php?mid=vitrinalab.vitrina&lang=en";
    post_form($url, ['sessid' => 'stolen', 'lead_secret_new' => 'Y']);
    same($secret, Option::get(MODULE_ID, 'lead_secret'), 'no sessid, no new secret');
    $page = post_form($url, ['sessid' => StandIn::$sessid, 'lead_secret_new' => 'Y']);
    $new = Option::get(MODULE_ID, 'lead_secret');
    check($new !== $secret && Signer::isValid($new), 'a new secret');
    check(str_contains($page, 'New secret for requests: ' . htmlspecialchars($new)), 'shown in full this once');
    check(!str_contains(get($url), substr($new, 6)), 'and not again');
});

finish();
