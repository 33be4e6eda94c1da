<?php

/* The product payload built from Bitrix itself, the manifest, and what the event handlers queue. */

declare(strict_types=1);

require __DIR__ . '/lib/site.php';

use Bitrix\Main\Config\Option;
use Vitrinalab\Vitrina\Bulk;
use Vitrinalab\Vitrina\Catalog;
use Vitrinalab\Vitrina\Events;
use Vitrinalab\Vitrina\Outbox;
use Vitrinalab\Vitrina\Settings;

function catalog(): Catalog
{
    return new Catalog(Settings::load());
}

/** @return list<array{0: int, 1: string}> [product id, event type] of pending rows */
function queued(): array
{
    return array_map(static fn (array $r): array => [(int) $r['PRODUCT_ID'], (string) $r['EVENT_TYPE']], outbox_rows());
}

function clear_outbox(): void
{
    StandIn::db()->queryExecute('DELETE FROM b_vitrinalab_vitrina_outbox');
}

test('a product is built from the element, its retail price, stock, photos and mapped properties', function (): void {
    $shop = new_shop();
    install_module($shop);
    $more = [StandIn::addFile('side.jpg'), StandIn::addFile('Букет сверху.jpg')];
    $id = add_product($shop, 'Букет «Тюльпаны & розы»', 27325, 3, ['MORE_PHOTO' => $more, 'COMPOSITION' => ['тюльпан', 'роза'], 'HEIGHT' => '70 см', 'WIDTH' => '']);
    $p = catalog()->products([$id])[$id];
    $element = CIBlockElement::GetList([], ['ID' => $id], false, false, ['ID', 'CODE', 'DETAIL_PICTURE'])->Fetch();
    same($id, $p['id']);
    same('Букет «Тюльпаны & розы»', $p['title'], 'the raw name, not HTML-escaped');
    same(27325, $p['price'], 'the chosen price type (retail), not the base price');
    same('KZT', $p['currency']);
    same(true, $p['isAvailable']);
    same('vitrina', $p['type']);
    same('70 см', $p['catalogHeight']);
    same(null, $p['catalogWidth'], 'an empty property is null');
    same('тюльпан, роза', $p['composition']);
    same('https://flowers.kz/catalog/' . $element['CODE'] . '/', $p['url']);
    same('s1', $p['siteId']);
    same('https://flowers.kz' . CFile::GetPath((int) $element['DETAIL_PICTURE']), $p['image']);
    same(3, count($p['images']), 'detail picture first, then MORE_PHOTO');
    check(str_ends_with($p['images'][2], '/%D0%91%D1%83%D0%BA%D0%B5%D1%82%20%D1%81%D0%B2%D0%B5%D1%80%D1%85%D1%83.jpg'), 'file names URL-encoded: ' . $p['images'][2]);
    check((bool) preg_match('/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}$/', (string) $p['createdAt']), 'createdAt like Bitrix\'s API: ' . $p['createdAt']);
    same(40, strlen($p['stamp']));
});

test('an info block bound to several sites sends every site with the product page on each', function (): void {
    $shop = new_shop();
    install_module($shop);
    StandIn::addSite('s3', 'flowers.kz', '/kz/', 'Гүлдер');
    foreach (['s2', 's3'] as $site) { // the admin ticks two more sites on the info block
        StandIn::db()->queryExecute("INSERT INTO b_iblock_site (IBLOCK_ID, SITE_ID) VALUES ({$shop->catalog}, '{$site}')");
    }
    $id = add_product($shop, 'Пионы', 15000);
    $code = CIBlockElement::GetList([], ['ID' => $id], false, false, ['ID', 'CODE'])->Fetch()['CODE'];
    $p = catalog()->products([$id])[$id];
    same('s1', $p['siteId'], 'the first site, for Vitrina versions that read only siteId');
    same([
        ['siteId' => 's1', 'url' => "https://flowers.kz/catalog/{$code}/"],
        ['siteId' => 's2', 'url' => "https://gifts.kz/catalog/{$code}/"],
        ['siteId' => 's3', 'url' => "https://flowers.kz/kz/catalog/{$code}/"],
    ], $p['sites']);
    same($p['sites'][0]['url'], $p['url']);
    Option::set(MODULE_ID, 'site_urls', 's2=https://www.gifts.kz');
    same("https://www.gifts.kz/catalog/{$code}/", catalog()->products([$id])[$id]['sites'][1]['url'], 'the per-site address setting');
    foreach (['s1', 's2', 's3'] as $site) {
        same([$id], array_column(catalog()->manifest(0, 10, $site)['items'], 'id'), "the manifest of {$site}");
        same(1, catalog()->manifest(0, 10, $site)['total']);
    }
});

test('the info block\'s main site comes first, whatever order Bitrix lists its sites in', function (): void {
    $shop = new_shop();
    install_module($shop);
    StandIn::addSite('s3', 'flowers.kz', '/kz/', 'Гүлдер');
    StandIn::db()->queryExecute("INSERT INTO b_iblock_site (IBLOCK_ID, SITE_ID) VALUES ({$shop->catalog}, 's3')");
    StandIn::db()->queryExecute("UPDATE b_iblock SET LID = 's3' WHERE ID = {$shop->catalog}"); // DETAIL_PAGE_URL: /kz/…
    $id = add_product($shop, 'Пионы', 15000);
    $code = CIBlockElement::GetList([], ['ID' => $id], false, false, ['ID', 'CODE'])->Fetch()['CODE'];
    $p = catalog()->products([$id])[$id];
    same('s3', $p['siteId']);
    same([
        ['siteId' => 's3', 'url' => "https://flowers.kz/kz/catalog/{$code}/"],
        ['siteId' => 's1', 'url' => "https://flowers.kz/catalog/{$code}/"],
    ], $p['sites']);
});

test('a list property gives the type its XML_ID, and a text property its text', function (): void {
    $shop = new_shop();
    StandIn::db()->queryExecute("UPDATE b_iblock_property SET PROPERTY_TYPE = 'L' WHERE CODE = 'TYPE'");
    $vitrina = StandIn::addEnum($shop->catalog, 'TYPE', 'Готовые букеты', 'vitrina');
    install_module($shop);
    $id = add_product($shop, 'Букет', 5000, 1, ['TYPE' => $vitrina]);
    same('vitrina', catalog()->products([$id])[$id]['type']);
    Option::set(MODULE_ID, 'prop_type', 'WIDTH'); // a text property mapped as the type
    $other = add_product($shop, 'Букет 2', 5000, 1, ['WIDTH' => 'catalog']);
    same('catalog', catalog()->products([$other])[$other]['type']);
});

test('the colour property is sent as the shop names its flowers, false when unset as Bitrix\'s API', function (): void {
    $shop = new_shop();
    $white = StandIn::addEnum($shop->catalog, 'COLOR', 'Белый', 'white');
    $pink = StandIn::addEnum($shop->catalog, 'COLOR', 'Розовый', 'pink');
    install_module($shop);
    $one = add_product($shop, 'Букет «Нежность»', 5000, 1, ['COLOR' => [$white]]);
    $two = add_product($shop, 'Букет «Зефир»', 5000, 1, ['COLOR' => [$white, $pink]]);
    $none = add_product($shop, 'Букет', 5000, 1);
    $products = catalog()->products([$one, $two, $none]);
    same(['Белый'], $products[$one]['colors'], 'the text a buyer reads, not the XML_ID');
    same(['Белый', 'Розовый'], $products[$two]['colors']);
    same(false, $products[$none]['colors']);
    Option::set(MODULE_ID, 'prop_colors', '');
    same(false, catalog()->products([$one])[$one]['colors'], 'no property mapped: unset');
});

test('availability follows stock and the active flag; a product without the price type is not sold', function (): void {
    $shop = new_shop();
    install_module($shop);
    $inStock = add_product($shop, 'A', 5000, 2);
    $soldOut = add_product($shop, 'B', 5000, 0);
    $hidden = add_product($shop, 'C', 5000, 9);
    (new CIBlockElement())->Update($hidden, ['ACTIVE' => 'N']);
    $noPrice = add_product($shop, 'D', 5000, 9);
    StandIn::db()->queryExecute("DELETE FROM b_catalog_price WHERE PRODUCT_ID = {$noPrice} AND CATALOG_GROUP_ID = " . RETAIL);
    $products = catalog()->products([$inStock, $soldOut, $hidden, $noPrice, 999999]);
    same([true, false, false, false], [$products[$inStock]['isAvailable'], $products[$soldOut]['isAvailable'], $products[$hidden]['isAvailable'], $products[$noPrice]['isAvailable']]);
    same(0, $products[$noPrice]['price']);
    same(null, $products[999999], 'an id not in the catalog is null (deleted)');
});

test('trade offers roll up: the lowest price of an offer in stock, available when any offer is', function (): void {
    $shop = new_shop();
    install_module($shop);
    $id = add_product($shop, 'Розы поштучно', 0, 0);
    StandIn::db()->queryExecute("DELETE FROM b_catalog_price WHERE PRODUCT_ID = {$id}");
    add_offer($shop, $id, '11 роз', 11000, 4);
    add_offer($shop, $id, '7 роз', 7000, 0); // cheaper, but sold out
    $big = add_offer($shop, $id, '25 роз', 25000, 1);
    $p = catalog()->products([$id])[$id];
    same([11000, true, 3], [$p['price'], $p['isAvailable'], $p['offers']]);
    // Every offer sold out: not available, the lowest price shown.
    StandIn::db()->queryExecute("UPDATE b_catalog_product SET AVAILABLE = 'N' WHERE ID <> {$id}");
    $p = catalog()->products([$id])[$id];
    same([7000, false], [$p['price'], $p['isAvailable']]);
    // An offer's change queues its parent, not the offer; so does deleting an offer.
    clear_outbox();
    CPrice::Update(retail_price_id($big), ['PRICE' => 24000]);
    same([[$id, 'product.updated']], queued());
    clear_outbox();
    CIBlockElement::Delete($big);
    same([[$id, 'product.updated']], queued());
    same(2, catalog()->products([$id])[$id]['offers']);
});

test('the stamp changes with anything Vitrina sees (price, stock, name) and only then', function (): void {
    $shop = new_shop();
    install_module($shop);
    $id = add_product($shop, 'Букет', 5000);
    $stamp = static fn (): string => catalog()->products([$id])[$id]['stamp'];
    $before = $stamp();
    same($before, $stamp(), 'stable');
    CPrice::Update(retail_price_id($id), ['PRICE' => 5500]);
    check($stamp() !== $before, 'price change');
    $before = $stamp();
    CCatalogProduct::Update($id, ['QUANTITY' => 0]);
    check($stamp() !== $before, 'stock change');
    $before = $stamp();
    CPrice::Update((int) \Bitrix\Catalog\PriceTable::getList(['filter' => ['=PRODUCT_ID' => $id, '=CATALOG_GROUP_ID' => 1]])->fetch()['ID'], ['PRICE' => 1]);
    same($before, $stamp(), 'another price type does not matter');
});

test('the manifest pages through active products of a site by id, with stamps', function (): void {
    $shop = new_shop();
    install_module($shop);
    $ids = [];
    for ($i = 0; $i < 7; $i++) {
        $ids[] = add_product($shop, "Букет {$i}", 1000 + $i);
    }
    (new CIBlockElement())->Update($ids[3], ['ACTIVE' => 'N']);
    $active = array_values(array_diff($ids, [$ids[3]]));
    $seen = [];
    $after = 0;
    $pages = 0;
    do {
        $page = catalog()->manifest($after, 4, 's1');
        same(6, $page['total']);
        foreach ($page['items'] as $item) {
            $seen[] = $item['id'];
            same(catalog()->products([$item['id']])[$item['id']]['stamp'], $item['stamp']);
        }
        $after = $page['next_after'];
        $pages++;
    } while ($after !== null);
    same($active, $seen);
    same(2, $pages);
    same([], catalog()->manifest(0, 10, 's2')['items'], 'no catalog on site s2');
});

test('handlers queue created/updated/deleted once per product; failed saves, workflow copies and other info blocks are skipped', function (): void {
    $shop = new_shop();
    install_module($shop);
    $id = add_product($shop, 'Букет', 5000);
    same([[$id, 'product.created']], queued(), 'element + catalog data + two prices in one save: one row');
    Option::set(MODULE_ID, 'unused', ''); // nothing
    $element = new CIBlockElement();
    same(false, $element->Update($id, ['NAME' => '']), 'a failed save');
    same(1, count(queued()), 'RESULT false is skipped');
    $element->Add(['IBLOCK_ID' => $shop->catalog, 'NAME' => 'Копия', 'WF_PARENT_ELEMENT_ID' => $id]);
    $element->Add(['IBLOCK_ID' => $shop->other, 'NAME' => 'Новость']);
    same(1, count(queued()), 'workflow copy and a news item are skipped');
    CIBlockElement::Delete($id);
    same([[$id, 'product.created'], [$id, 'product.deleted']], queued());
});

test('a pending row not yet tried absorbs later changes; a tried one does not', function (): void {
    $shop = new_shop();
    install_module($shop);
    $id = add_product($shop, 'Букет', 5000);
    CPrice::Update(retail_price_id($id), ['PRICE' => 6000]);
    \Bitrix\Catalog\PriceTable::update(retail_price_id($id), ['PRICE' => 6500]); // D7 event
    CCatalogProduct::Update($id, ['QUANTITY' => 1]);
    same(1, count(queued()));
    StandIn::db()->queryExecute('UPDATE b_vitrinalab_vitrina_outbox SET ATTEMPTS = 1');
    CPrice::Update(retail_price_id($id), ['PRICE' => 7000]);
    same(2, count(queued()), 'after an attempt, a new change gets its own row (its own sequence)');
});

test('a 1C import queues nothing per element, then "what changed" queues exactly the changed products', function (): void {
    $shop = new_shop();
    install_module($shop);
    $a = add_product($shop, 'A', 1000);
    $b = add_product($shop, 'B', 2000);
    $c = add_product($shop, 'C', 3000);
    // Vitrina has all three as they are now.
    foreach (catalog()->products([$a, $b, $c]) as $id => $p) {
        \Vitrinalab\Vitrina\SentTable::add(['PRODUCT_ID' => $id, 'STAMP' => $p['stamp'], 'SENT_AT' => time()]);
    }
    clear_outbox();
    foreach (GetModuleEvents('catalog', 'OnBeforeCatalogImport1C', true) as $e) {
        ExecuteModuleEventEx($e);
    }
    CPrice::Update(retail_price_id($b), ['PRICE' => 2500]);
    CIBlockElement::Delete($c);
    $d = add_product($shop, 'D', 4000);
    same([], queued(), 'nothing queued during the import');
    foreach (GetModuleEvents('catalog', 'OnSuccessCatalogImport1C', true) as $e) {
        ExecuteModuleEventEx($e);
    }
    check(Bulk::isRunning(), 'a reconcile was started');
    $settings = Settings::load();
    do {
        $state = Bulk::step($settings, catalog(), new Outbox(), time());
    } while ($state['finished_at'] === '');
    $ids = array_column(queued(), 0);
    sort($ids);
    same([$b, $c, $d], $ids, 'changed, deleted and new; not the unchanged one');
    same('3', $state['queued']);
});

test('"send everything" queues every active product in batches of bulk_batch, with progress', function (): void {
    $shop = new_shop();
    install_module($shop, ['bulk_batch' => '10']);
    for ($i = 0; $i < 25; $i++) {
        add_product($shop, "Букет {$i}", 1000 + $i);
    }
    clear_outbox();
    Bulk::start(Bulk::ALL, time());
    $settings = Settings::load();
    $progress = [];
    do {
        $state = Bulk::step($settings, catalog(), new Outbox(), time());
        $progress[] = (int) $state['checked'];
    } while ($state['finished_at'] === '');
    same([10, 20, 25], $progress, 'products in batches; the last one also looks for products gone since');
    same(25, count(queued()));
    same('25', $state['total']);
});

finish();
