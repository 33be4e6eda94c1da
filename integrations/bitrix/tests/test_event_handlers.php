<?php

/* The event handlers: one outbox row per real change of a catalog product, inside the admin's transaction. */

declare(strict_types=1);

require __DIR__ . '/lib/site.php';

use Vitrina\Bitrix\Outbox;

test('a product saved by the admin is recorded as created, then updated by its price', function (): void {
    $db = new_site();
    $id = save_product($db, 'Букет «Нежность»', 4950);
    $rows = outbox_rows($db);
    same([[Outbox::CREATED, $id], [Outbox::UPDATED, $id]], array_map(fn ($r) => [$r['event_type'], (int) $r['product_id']], $rows));
    same('pending', $rows[0]['status']);
    check(preg_match('/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/', $rows[0]['event_id']) === 1, 'event_id is a UUID v4');
    check($rows[0]['event_id'] !== $rows[1]['event_id'], 'each row has its own event_id');
});

test('a rolled-back save leaves neither the product nor an outbox row', function (): void {
    $db = new_site();
    $db->StartTransaction();
    $id = (new CIBlockElement())->Add(['IBLOCK_ID' => CATALOG_IBLOCK, 'NAME' => 'Букет']);
    check($id > 0, 'the element was inserted inside the transaction');
    same(1, count(outbox_rows($db)), 'the handler wrote its row inside the transaction');
    $db->Rollback();
    same(false, CIBlockElement::GetByID((int) $id)->Fetch(), 'element rolled back');
    same([], outbox_rows($db), 'outbox row rolled back with it');
});

test('a rolled-back inner step (savepoint) takes its outbox row with it, the outer change stays', function (): void {
    $db = new_site();
    $db->StartTransaction();
    $id = (new CIBlockElement())->Add(['IBLOCK_ID' => CATALOG_IBLOCK, 'NAME' => 'Букет']);
    $db->StartTransaction();
    (new CIBlockElement())->Update((int) $id, ['NAME' => 'Букет 2']);
    $db->Rollback();
    $db->Commit();
    same([Outbox::CREATED], array_column(outbox_rows($db), 'event_type'));
});

test('a failed save (RESULT false) records nothing', function (): void {
    $db = new_site();
    $element = new CIBlockElement();
    same(false, $element->Add(['IBLOCK_ID' => CATALOG_IBLOCK, 'NAME' => '']), 'the add failed');
    $id = (int) $element->Add(['IBLOCK_ID' => CATALOG_IBLOCK, 'NAME' => 'Букет']);
    same(false, $element->Update($id, ['NAME' => '']), 'the update failed');
    same(false, $element->Update(999, ['NAME' => 'x']), 'updating a missing element failed');
    same([Outbox::CREATED], array_column(outbox_rows($db), 'event_type'));
});

test('workflow copies (WF_PARENT_ELEMENT_ID set) are skipped', function (): void {
    $db = new_site();
    $element = new CIBlockElement();
    $id = (int) $element->Add(['IBLOCK_ID' => CATALOG_IBLOCK, 'NAME' => 'Букет']);
    $copy = (int) $element->Add(['IBLOCK_ID' => CATALOG_IBLOCK, 'NAME' => 'Букет', 'WF_PARENT_ELEMENT_ID' => $id]);
    $element->Update($copy, ['NAME' => 'Букет (черновик)']);
    same([$id], array_map('intval', array_column(outbox_rows($db), 'product_id')));
    CIBlockElement::Delete($copy);
    same(1, count(outbox_rows($db)), 'deleting the history copy is not a product delete');
});

test('elements and prices of other iblocks are ignored', function (): void {
    $db = new_site();
    $news = save_product($db, 'Новость', 1, OTHER_IBLOCK);
    (new CIBlockElement())->Update($news, ['NAME' => 'Новость 2']);
    \Bitrix\Catalog\ProductTable::update($news, ['AVAILABLE' => 'N']);
    CIBlockElement::Delete($news);
    same([], outbox_rows($db));
});

test('update, price change, catalog product change and delete are recorded in order', function (): void {
    $db = new_site();
    $id = save_product($db, 'Букет', 4950);
    $priceId = (int) \Bitrix\Catalog\PriceTable::getList(['filter' => ['=PRODUCT_ID' => $id]])->fetch()['ID'];
    (new CIBlockElement())->Update($id, ['NAME' => 'Букет 2']);
    // A D7 price update carries only the changed fields; the handler looks PRODUCT_ID up.
    \Bitrix\Catalog\PriceTable::update($priceId, ['PRICE' => 5200]);
    \Bitrix\Catalog\ProductTable::update($id, ['AVAILABLE' => 'N']);
    CIBlockElement::Delete($id);
    $rows = outbox_rows($db);
    same(
        [Outbox::CREATED, Outbox::UPDATED, Outbox::UPDATED, Outbox::UPDATED, Outbox::UPDATED, Outbox::DELETED],
        array_column($rows, 'event_type'),
    );
    same([$id], array_values(array_unique(array_map('intval', array_column($rows, 'product_id')))));
    $ids = array_map('intval', array_column($rows, 'id'));
    same($ids, array_values(array_unique($ids)), 'ids grow');
});

test('an outbox that cannot be written does not break the admin\'s save; the failure is logged', function (): void {
    $db = new_site();
    $db->Query('DROP TABLE vitrina_outbox');
    $id = (new CIBlockElement())->Add(['IBLOCK_ID' => CATALOG_IBLOCK, 'NAME' => 'Букет']);
    check($id > 0, 'the product is saved');
    check(count(StandIn::$log) === 1 && str_contains(StandIn::$log[0], "product {$id}"), 'logged: ' . implode(' | ', StandIn::$log));
});

test('installing twice is harmless', function (): void {
    $db = new_site();
    save_product($db, 'Букет', 1);
    (new Outbox($db))->install();
    same(2, count(outbox_rows($db)));
});

test('occurred_at is the time of the change', function (): void {
    $clock = new FrozenClock(1_700_000_123);
    $db = new_site($clock);
    save_product($db, 'Букет', 1);
    same(1_700_000_123, (int) outbox_rows($db)[0]['occurred_at']);
});

finish();
