<?php

/*
 * End to end against a live Vitrina on 127.0.0.1, as a shop's developer would go through it:
 *   VITRINA_E2E_URL=http://127.0.0.1:P VITRINA_E2E_SECRET=whsec_... php test_e2e_vitrina.php
 * (tests/integrations/test_bitrix_php_module.py starts Vitrina with VITRINA_BITRIX_SITE_SHOPS=s1=1,s2=2.)
 *
 * Install from the admin (partner_modules.php), settings saved and "check the connection" pressed
 * on the settings page, products saved in the admin, the agent run by cron, Vitrina's catalog
 * read over its API; then uninstall from the admin.
 */

declare(strict_types=1);

require __DIR__ . '/lib/site.php';

use Bitrix\Main\ModuleManager;

$vitrinaUrl = (string) getenv('VITRINA_E2E_URL');
$secret = (string) getenv('VITRINA_E2E_SECRET');
if ($vitrinaUrl === '' || $secret === '') {
    fwrite(STDERR, "set VITRINA_E2E_URL and VITRINA_E2E_SECRET (a running Vitrina and its webhook secret)\n");
    exit(2);
}

function get(string $url): array
{
    $r = (new \Vitrinalab\Vitrina\BitrixHttpTransport())->request('GET', $url, ['Accept' => 'application/json'], null, 20.0);
    check(!$r->isNetworkError(), "GET {$url}: {$r->error}");

    return ['status' => $r->status, 'body' => $r->body];
}

function post_form(string $url, array $form): string
{
    $r = (new \Vitrinalab\Vitrina\BitrixHttpTransport())->request('POST', $url, ['Content-Type' => 'application/x-www-form-urlencoded'], http_build_query($form), 20.0);
    same(200, $r->status, $r->body);

    return $r->body;
}

function vitrina_product(string $vitrinaUrl, int $id): ?array
{
    $r = get("{$vitrinaUrl}/api/v1/products/{$id}");
    if ($r['status'] === 404) {
        return null;
    }
    same(200, $r['status'], $r['body']);

    return json_decode($r['body'], true);
}

/** What cron does every minute on the site: run due agents (ours sends the outbox). */
function cron(Shop $shop): void
{
    CAgent::MakeAllDue();
    [$code, $out, $err] = run_command([PHP_BINARY, BITRIX_ROOT . '/standin/cron_events.php'], ['STANDIN_ROOT' => $shop->root, 'VITRINA_STANDIN_DB' => $shop->db]);
    same(0, $code, $out . $err);
    StandIn::hit(); // the test's own process: a new request after cron
}

test('install from the admin → configure and check → products saved in Bitrix reach Vitrina, signed → uninstall', function () use ($vitrinaUrl, $secret): void {
    $shop = new_shop();
    // Bitrix never reuses element ids; start high so repeated runs against one Vitrina don't collide.
    StandIn::startIdsAt('b_iblock_element', random_int(1, 1000) * 1000 + 700_000);
    $gifts = StandIn::addIblock('Подарки', ['s2'], '#SITE_DIR#/gifts/#ELEMENT_ID#/');
    $server = start_server(BITRIX_ROOT . '/standin/router.php', ['STANDIN_ROOT' => $shop->root, 'VITRINA_STANDIN_DB' => $shop->db, 'STANDIN_LANG' => 'en']);
    $admin = $server['url'] . '/bitrix/admin';

    // 1. Marketplace → Installed solutions → Install.
    $page = get("{$admin}/partner_modules.php?id=vitrinalab.vitrina&install=Y&lang=en")['body'];
    check(str_contains($page, 'The module is installed'), 'install page: ' . strip_tags($page));
    StandIn::hit();
    check(ModuleManager::isModuleInstalled(MODULE_ID), 'installed');

    // 2. Settings: a wrong secret is caught by "check the connection"; the right one passes.
    $form = [
        'sessid' => StandIn::$sessid, 'check' => 'Y', 'vitrina_url' => $vitrinaUrl, 'secret' => 'whsec_' . base64_encode(random_bytes(32)),
        'source' => 'iblock', 'iblock_ids' => [(string) $shop->catalog, (string) $gifts], 'price_type_id' => (string) RETAIL,
        'product_url_base' => 'https://flowers.kz', 'prop_height' => 'HEIGHT', 'prop_width' => 'WIDTH', 'prop_composition' => 'COMPOSITION',
        'prop_type' => 'TYPE', 'prop_more_photo' => 'MORE_PHOTO', 'send_rate' => '20', 'bulk_batch' => '500', 'batch_size' => '50', 'timeout_s' => '5', 'widget_url' => '',
    ];
    $settingsUrl = "{$admin}/settings.php?mid=vitrinalab.vitrina&lang=en";
    $page = post_form($settingsUrl, $form);
    check(str_contains($page, 'answers') && str_contains($page, 'Vitrina refused the signature'), 'wrong secret reported: ' . strip_tags($page));
    $page = post_form($settingsUrl, ['secret' => $secret] + $form);
    check(str_contains($page, 'The secret is right'), 'right secret accepted: ' . strip_tags($page));

    // 3. The admin saves products; cron runs the agent.
    $rose = add_product($shop, 'Букет «Розовый рассвет»', 4950, 3, ['MORE_PHOTO' => [StandIn::addFile('side.jpg')]]);
    StandIn::hit();
    $gift = (int) (new CIBlockElement())->Add(['IBLOCK_ID' => $gifts, 'NAME' => 'Подарочная корзина', 'DETAIL_PICTURE' => StandIn::addFile('basket.jpg')]);
    CCatalogProduct::Add(['ID' => $gift, 'QUANTITY' => 1]);
    CPrice::Add(['PRODUCT_ID' => $gift, 'CATALOG_GROUP_ID' => RETAIL, 'PRICE' => 15000, 'CURRENCY' => 'KZT']);
    same(2, count(outbox_rows()), 'one row per product, nothing sent in the admin\'s request');
    cron($shop);
    same(['delivered', 'delivered'], array_column(outbox_rows(), 'STATUS'));
    same(['created', 'created'], array_column(outbox_rows(), 'RESPONSE_ACTION'));
    $product = vitrina_product($vitrinaUrl, $rose);
    check($product !== null, "product {$rose} is in Vitrina");
    same(['Букет «Розовый рассвет»', 495000, true, 1, 70, 2], [$product['name'], $product['price'], $product['enabled'], $product['shop_id'], $product['height'], count($product['images'])]);
    check(str_starts_with($product['image'], 'https://flowers.kz/upload/iblock/'), $product['image']);
    same([1500000, 2], [vitrina_product($vitrinaUrl, $gift)['price'], vitrina_product($vitrinaUrl, $gift)['shop_id']], 'site s2 → shop 2');

    // 4. A price change and a sell-out, then a delete.
    CPrice::Update(retail_price_id($rose), ['PRICE' => 5200]);
    cron($shop);
    same(520000, vitrina_product($vitrinaUrl, $rose)['price']);
    CCatalogProduct::Update($rose, ['QUANTITY' => 0]);
    cron($shop);
    same(false, vitrina_product($vitrinaUrl, $rose)['enabled'], 'sold out → not shown');
    CIBlockElement::Delete($gift);
    cron($shop);
    same(false, vitrina_product($vitrinaUrl, $gift)['enabled'], 'deleted');
    same([], array_values(array_filter(outbox_rows(), static fn (array $r): bool => $r['STATUS'] !== 'delivered')), 'everything delivered');

    // 5. Uninstall from the admin, keeping nothing.
    $page = get("{$admin}/partner_modules.php?id=vitrinalab.vitrina&uninstall=Y&lang=en")['body'];
    check(str_contains($page, 'savedata'), 'asks whether to keep the tables');
    $page = get("{$admin}/partner_modules.php?id=vitrinalab.vitrina&uninstall=Y&step=2&lang=en&sessid=" . StandIn::$sessid)['body'];
    check(str_contains($page, 'The module was removed'), strip_tags($page));
    StandIn::hit();
    check(!ModuleManager::isModuleInstalled(MODULE_ID), 'uninstalled');
    CPrice::Update(retail_price_id($rose), ['PRICE' => 9999]);
    check(!StandIn::db()->isTableExists('b_vitrinalab_vitrina_outbox'), 'tables dropped, and saving still works');
});

finish();
