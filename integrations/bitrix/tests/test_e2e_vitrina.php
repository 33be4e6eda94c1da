<?php

/*
 * End to end against a live Vitrina on 127.0.0.1, as a shop's developer would go through it:
 *   VITRINA_E2E_URL=http://127.0.0.1:P VITRINA_E2E_SECRET=whsec_... php test_e2e_vitrina.php
 * (tests/integrations/test_bitrix_php_module.py starts Vitrina with VITRINA_BITRIX_SITE_SHOPS=s1=1,s2=2.)
 *
 * Install from the admin (partner_modules.php), settings saved and "check the connection" pressed
 * on the settings page, products saved in the admin, the agent run by cron, Vitrina's catalog
 * read over its API; then uninstall from the admin. Then trade offers, a price delete, a 1C
 * exchange over HTTP with CommerceML files (one of them broken) and a reinstall without keeping
 * data, each checked in Vitrina.
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
    $season = StandIn::addIblock('Сезонное', ['s1', 's2'], '#SITE_DIR#/season/#ELEMENT_ID#/'); // on both sites
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
        'source' => 'iblock', 'iblock_ids' => [(string) $shop->catalog, (string) $gifts, (string) $season], 'price_type_id' => (string) RETAIL,
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

    // 3b. An info block on two sites: its product is in both shops, until a site is unticked.
    $tulips = (int) (new CIBlockElement())->Add(['IBLOCK_ID' => $season, 'NAME' => 'Тюльпаны к 8 марта', 'DETAIL_PICTURE' => StandIn::addFile('tulips.jpg')]);
    CCatalogProduct::Add(['ID' => $tulips, 'QUANTITY' => 4]);
    CPrice::Add(['PRODUCT_ID' => $tulips, 'CATALOG_GROUP_ID' => RETAIL, 'PRICE' => 9000, 'CURRENCY' => 'KZT']);
    cron($shop);
    $inShop = static function (int $shopId) use ($vitrinaUrl, $tulips): bool {
        $r = get("{$vitrinaUrl}/api/v1/products?shop_id={$shopId}&limit=200");
        same(200, $r['status'], $r['body']);

        return in_array($tulips, array_column(json_decode($r['body'], true)['items'], 'id'), true);
    };
    same([true, true], [$inShop(1), $inShop(2)], 'listed in the shop of each site');
    same([1, "https://flowers.kz/season/{$tulips}/"], [vitrina_product($vitrinaUrl, $tulips)['shop_id'], vitrina_product($vitrinaUrl, $tulips)['page_url']], 'the first site is the primary shop');
    StandIn::db()->queryExecute("DELETE FROM b_iblock_site WHERE IBLOCK_ID = {$season} AND SITE_ID = 's2'");
    (new CIBlockElement())->Update($tulips, ['NAME' => 'Тюльпаны']);
    cron($shop);
    same([true, false], [$inShop(1), $inShop(2)], 'site s2 unticked: gone from shop 2 only');

    // 4. A price change and a sell-out, then a delete.
    CPrice::Update(retail_price_id($rose), ['PRICE' => 5200]);
    cron($shop);
    same(520000, vitrina_product($vitrinaUrl, $rose)['price']);
    CCatalogProduct::Update($rose, ['QUANTITY' => 0]);
    cron($shop);
    same([true, false], [vitrina_product($vitrinaUrl, $rose)['enabled'], vitrina_product($vitrinaUrl, $rose)['available']], 'sold out → searchable, «Нет в наличии»');
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

/** 1C uploads a CommerceML file and asks for it to be imported, over HTTP; returns the answer. */
function exchange_file(string $siteUrl, string $fixture): string
{
    $name = (string) preg_replace('/-(\d+|broken)\.xml$/', '.xml', $fixture);
    $base = "{$siteUrl}/bitrix/admin/1c_exchange.php?type=catalog";
    $http = new \Vitrinalab\Vitrina\BitrixHttpTransport();
    same('success', $http->request('POST', "{$base}&mode=file&filename={$name}", [], (string) file_get_contents(__DIR__ . "/fixtures/1c/{$fixture}"), 20.0)->body);

    return $http->request('GET', "{$base}&mode=import&filename={$name}", [], null, 60.0)->body;
}

test('SKU and price changes, a price delete, a 1C exchange (one failed), a reinstall without keeping data: Vitrina ends right', function () use ($vitrinaUrl, $secret): void {
    $shop = new_shop();
    StandIn::startIdsAt('b_iblock_element', random_int(1001, 2000) * 1000 + 700_000);
    install_module($shop, ['vitrina_url' => $vitrinaUrl, 'secret' => $secret]);
    $server = start_server(BITRIX_ROOT . '/standin/router.php', ['STANDIN_ROOT' => $shop->root, 'VITRINA_STANDIN_DB' => $shop->db]);

    // Trade offers: the product shows the lowest price among offers on sale.
    $roses = add_product($shop, 'Розы', 0, 0);
    $red = add_offer($shop, $roses, 'Розы красные', 9000, 2);
    add_offer($shop, $roses, 'Розы белые', 12000, 1);
    cron($shop);
    same([900000, true], [vitrina_product($vitrinaUrl, $roses)['price'], vitrina_product($vitrinaUrl, $roses)['enabled']]);
    CCatalogProduct::Update($red, ['QUANTITY' => 0]); // the cheap offer sold out
    cron($shop);
    same(1200000, vitrina_product($vitrinaUrl, $roses)['price'], 'SKU change');
    $tulips = add_product($shop, 'Тюльпаны', 7000);
    cron($shop);
    CPrice::Delete(retail_price_id($tulips));
    cron($shop);
    same(false, vitrina_product($vitrinaUrl, $tulips)['available'], 'a deleted price: not on sale any more');

    // A 1C exchange over HTTP: new products arrive after the exchange, not one by one during it.
    same('success', exchange_file($server['url'], 'import-1.xml'));
    same('success', exchange_file($server['url'], 'offers-1.xml'));
    get("{$server['url']}/bitrix/admin/1c_exchange.php?type=catalog&mode=complete");
    StandIn::hit();
    cron($shop);
    cron($shop);
    $bouquet = (int) StandIn::db()->query("SELECT ID FROM b_iblock_element WHERE XML_ID = 'a1f3b2c0-0001-11ee-8000-00155d000001'")->fetch()['ID'];
    $peonies = (int) StandIn::db()->query("SELECT ID FROM b_iblock_element WHERE XML_ID = 'a1f3b2c0-0003-11ee-8000-00155d000003'")->fetch()['ID'];
    same(['Букет «51 роза»', 2950000], [vitrina_product($vitrinaUrl, $bouquet)['name'], vitrina_product($vitrinaUrl, $bouquet)['price']]);
    // The next exchange fails at its second file; an hour later the module catches up by itself.
    same('success', exchange_file($server['url'], 'import-2.xml'));
    check(str_starts_with(exchange_file($server['url'], 'offers-broken.xml'), 'failure'), 'the broken file fails');
    StandIn::hit();
    \Bitrix\Main\Config\Option::set(MODULE_ID, 'import_started_at', (string) (time() - 3601));
    cron($shop);
    cron($shop);
    same(false, vitrina_product($vitrinaUrl, $peonies)['enabled'], 'deleted in 1C → deleted in Vitrina');

    // Reinstall without keeping data: the module's new rows must still be newer than what Vitrina applied.
    $module = new vitrinalab_vitrina();
    $_GET = ['step' => '2'];
    ob_start();
    $module->DoUninstall();
    ob_end_clean();
    $_GET = [];
    StandIn::hit();
    install_module($shop, ['vitrina_url' => $vitrinaUrl, 'secret' => $secret]);
    CPrice::Add(['PRODUCT_ID' => $tulips, 'CATALOG_GROUP_ID' => RETAIL, 'PRICE' => 7300, 'CURRENCY' => 'KZT']); // its price was deleted above
    (new CIBlockElement())->Update($tulips, ['NAME' => 'Тюльпаны после переустановки']);
    cron($shop);
    same(['applied'], array_values(array_unique(array_map(static fn (array $r): string => $r['STATUS'] === 'delivered' && $r['RESPONSE_ACTION'] !== 'stale' ? 'applied' : (string) $r['RESPONSE_ACTION'] . '/' . $r['STATUS'], outbox_rows()))));
    same(['Тюльпаны после переустановки', 730000, true], [vitrina_product($vitrinaUrl, $tulips)['name'], vitrina_product($vitrinaUrl, $tulips)['price'], vitrina_product($vitrinaUrl, $tulips)['available']]);
});

finish();
