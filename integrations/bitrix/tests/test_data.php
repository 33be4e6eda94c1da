<?php

/* Right data for every shop: addresses, sites, currencies, quantity ranges, price deletes, property writes. */

declare(strict_types=1);

require __DIR__ . '/lib/site.php';

use Bitrix\Main\Config\Option;
use Vitrinalab\Vitrina\Backoff;
use Vitrinalab\Vitrina\Catalog;
use Vitrinalab\Vitrina\CatalogSource;
use Vitrinalab\Vitrina\Outbox;
use Vitrinalab\Vitrina\OutboxTable;
use Vitrinalab\Vitrina\Sender;
use Vitrinalab\Vitrina\Settings;

function product(int $id): array
{
    return (new Catalog(Settings::load()))->products([$id])[$id];
}

/** @return list<int> product ids of pending rows */
function queued_ids(): array
{
    return array_map(static fn (array $r): int => (int) $r['PRODUCT_ID'], OutboxTable::getList(['filter' => ['=STATUS' => 'pending'], 'order' => ['ID' => 'ASC']])->fetchAll());
}

test('a site without SEF: the address keeps its query string', function (): void {
    $shop = new_shop();
    StandIn::db()->queryExecute("UPDATE b_iblock SET DETAIL_PAGE_URL = '#SITE_DIR#/catalog/detail.php?ID=#ELEMENT_ID#' WHERE ID = {$shop->catalog}");
    install_module($shop);
    $id = add_product($shop, 'Букет', 5000);
    same("https://flowers.kz/catalog/detail.php?ID={$id}", product($id)['url']);
});

test('links start with the site\'s own server name, overridable per site', function (): void {
    $shop = new_shop();
    $gifts = StandIn::addIblock('Подарки', ['s2'], '#SITE_DIR#/gifts/#ELEMENT_ID#/');
    install_module($shop, ['iblock_ids' => "{$shop->catalog},{$gifts}", 'product_url_base' => '']);
    $flower = add_product($shop, 'Букет', 5000);
    $gift = (int) (new CIBlockElement())->Add(['IBLOCK_ID' => $gifts, 'NAME' => 'Открытка', 'ACTIVE' => 'Y']);
    same('https://flowers.kz/', substr((string) product($flower)['url'], 0, 19));
    same("https://gifts.kz/gifts/{$gift}/", product($gift)['url']);
    same('s2', product($gift)['siteId']);
    Option::set(MODULE_ID, 'site_urls', 's2=https://www.gifts.kz');
    same("https://www.gifts.kz/gifts/{$gift}/", product($gift)['url']);
});

test('a price in another currency is converted to tenge by the currency module\'s rate', function (): void {
    $shop = new_shop();
    install_module($shop);
    StandIn::addRate('USD', 520.0);
    $id = add_product($shop, 'Розы из Эквадора', 100);
    StandIn::db()->queryExecute("UPDATE b_catalog_price SET CURRENCY = 'USD' WHERE PRODUCT_ID = {$id} AND CATALOG_GROUP_ID = " . RETAIL);
    $p = product($id);
    same([52000, 'KZT'], [$p['price'], $p['currency']]);
});

test('a price with no rate to tenge is refused: the row fails with the reason, never sent as ₸', function (): void {
    $shop = new_shop();
    install_module($shop);
    $id = add_product($shop, 'Розы', 100);
    StandIn::db()->queryExecute("UPDATE b_catalog_price SET CURRENCY = 'RUB' WHERE PRODUCT_ID = {$id} AND CATALOG_GROUP_ID = " . RETAIL);
    $settings = Settings::load();
    $http = new ScriptedTransport();
    (new Sender($settings, new Outbox(), new CatalogSource(new Catalog($settings)), $http, new FrozenClock(time()), new Backoff(10, 3600)))->run();
    same([], $http->requests, 'nothing sent');
    $row = outbox_rows()[0];
    same(OutboxTable::FAILED, $row['STATUS']);
    check(str_contains((string) $row['LAST_ERROR'], 'RUB') && str_contains((string) $row['LAST_ERROR'], 'KZT'), 'the reason: ' . $row['LAST_ERROR']);
    check(str_contains(Option::get(MODULE_ID, 'last_error'), 'RUB'), 'shown on the settings page');
});

test('with price rows per quantity range, the row for one item is sent', function (): void {
    $shop = new_shop();
    install_module($shop);
    $id = add_product($shop, 'Тюльпаны', 900);
    StandIn::db()->queryExecute("DELETE FROM b_catalog_price WHERE PRODUCT_ID = {$id} AND CATALOG_GROUP_ID = " . RETAIL);
    CPrice::Add(['PRODUCT_ID' => $id, 'CATALOG_GROUP_ID' => RETAIL, 'PRICE' => 800, 'CURRENCY' => 'KZT', 'QUANTITY_FROM' => 11, 'QUANTITY_TO' => 50]);
    CPrice::Add(['PRODUCT_ID' => $id, 'CATALOG_GROUP_ID' => RETAIL, 'PRICE' => 900, 'CURRENCY' => 'KZT', 'QUANTITY_FROM' => 1, 'QUANTITY_TO' => 10]);
    CPrice::Add(['PRODUCT_ID' => $id, 'CATALOG_GROUP_ID' => RETAIL, 'PRICE' => 700, 'CURRENCY' => 'KZT', 'QUANTITY_FROM' => 51, 'QUANTITY_TO' => '']);
    same(900, product($id)['price']);
});

test('a deleted price (Price::OnAfterDelete) queues the product', function (): void {
    $shop = new_shop();
    install_module($shop);
    $id = add_product($shop, 'Букет', 5000);
    StandIn::db()->queryExecute('DELETE FROM b_vitrinalab_vitrina_outbox');
    StandIn::hit();
    CPrice::Delete(retail_price_id($id));
    same([$id], queued_ids());
    same(0, product($id)['price']);
});

test('property values written with SetPropertyValues queue the product', function (): void {
    $shop = new_shop();
    install_module($shop);
    $id = add_product($shop, 'Букет', 5000);
    StandIn::db()->queryExecute('DELETE FROM b_vitrinalab_vitrina_outbox');
    StandIn::hit();
    CIBlockElement::SetPropertyValues($id, $shop->catalog, ['HEIGHT' => '90 см']);
    same([$id], queued_ids());
    same('90 см', product($id)['catalogHeight']);
});

finish();
