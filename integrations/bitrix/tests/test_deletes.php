<?php

/*
 * Deletes always arrive: a product gone from the catalog becomes product.deleted on every path,
 * with the real sender reading the real catalog. On MySQL (the stand-in on MariaDB, and SQLite
 * refusing `IN ()` as MySQL does) a read of a vanished product must not build an empty IN list.
 */

declare(strict_types=1);

require __DIR__ . '/lib/site.php';

use Vitrinalab\Vitrina\Api;
use Vitrinalab\Vitrina\Backoff;
use Vitrinalab\Vitrina\Bulk;
use Vitrinalab\Vitrina\Catalog;
use Vitrinalab\Vitrina\CatalogSource;
use Vitrinalab\Vitrina\Outbox;
use Vitrinalab\Vitrina\Sender;
use Vitrinalab\Vitrina\SentTable;
use Vitrinalab\Vitrina\Settings;
use Vitrinalab\Vitrina\Signer;

/** One run of the agent's sender over the stand-in's catalog, now, posting to a scripted Vitrina. */
function deliver_all(): ScriptedTransport
{
    $settings = Settings::load();
    $http = new ScriptedTransport();
    (new Sender($settings, new Outbox(), new CatalogSource(new Catalog($settings)), $http, new FrozenClock(time()), new Backoff(10, 3600, fn (): float => 0.999)))->run();

    return $http;
}

/** @return list<array{0: string, 1: int}> [event type, product id] of what was posted */
function posted(ScriptedTransport $http): array
{
    return array_map(static fn (array $e): array => [(string) $e['event_type'], (int) $e['product_data']['id']], $http->envelopes());
}

/** @return array<string, int> outbox rows per status */
function statuses(): array
{
    return (new Outbox())->counts();
}

test('a product deleted in the admin is sent as product.deleted', function (): void {
    $shop = new_shop();
    install_module($shop);
    $id = add_product($shop, 'Букет', 5000);
    CIBlockElement::Delete($id);
    $http = deliver_all();
    same([['product.deleted', $id], ['product.deleted', $id]], posted($http), 'read at send time: the creation goes as the delete too');
    same(0, statuses()['pending'], 'nothing left pending');
});

test('a delete behind a queued edit: the edit goes as product.deleted, then the delete; nothing is retried', function (): void {
    $shop = new_shop();
    install_module($shop);
    $id = add_product($shop, 'Букет', 5000);
    deliver_all();
    (new CIBlockElement())->Update($id, ['NAME' => 'Букет 2']); // queued, not sent yet
    CIBlockElement::Delete($id);
    $http = deliver_all();
    same([['product.deleted', $id], ['product.deleted', $id]], posted($http));
    same(['pending' => 0, 'delivered' => 3, 'failed' => 0], statuses());
});

test('reconcile\'s "resend these ids" with an id the shop no longer has: product.deleted', function (): void {
    $shop = new_shop();
    install_module($shop);
    $kept = add_product($shop, 'Остался', 5000);
    $gone = add_product($shop, 'Удалён', 5000);
    StandIn::db()->queryExecute("DELETE FROM b_iblock_element WHERE ID = {$gone}"); // gone without events (a direct SQL clean-up)
    StandIn::db()->queryExecute('DELETE FROM b_vitrinalab_vitrina_outbox');
    $body = json_encode(['action' => 'resend', 'ids' => [$gone, $kept]]);
    $now = time();
    [$status] = Api::handle('POST', $body, array_change_key_case(Signer::headers([SECRET], 'msg_1', $now, $body)), $now, Settings::load());
    same(200, $status);
    $http = deliver_all();
    same([['product.deleted', $gone], ['product.updated', $kept]], posted($http));
    same(0, statuses()['pending']);
});

test('a product deleted by a 1C exchange is found by "what changed" and sent as product.deleted', function (): void {
    $shop = new_shop();
    install_module($shop);
    $a = add_product($shop, 'A', 1000);
    $b = add_product($shop, 'B', 2000);
    deliver_all();
    same(2, SentTable::getCount());
    foreach (GetModuleEvents('catalog', 'OnBeforeCatalogImport1C', true) as $e) {
        ExecuteModuleEventEx($e);
    }
    CIBlockElement::Delete($b);
    foreach (GetModuleEvents('catalog', 'OnSuccessCatalogImport1C', true) as $e) {
        ExecuteModuleEventEx($e);
    }
    $settings = Settings::load();
    do {
        $state = Bulk::step($settings, new Catalog($settings), new Outbox(), time());
    } while ($state['finished_at'] === '');
    $http = deliver_all();
    same([['product.deleted', $b]], posted($http));
    same(0, statuses()['pending']);
    same([$a], array_map('intval', array_column(SentTable::getList(['select' => ['PRODUCT_ID']])->fetchAll(), 'PRODUCT_ID')));
});

test('a product deleted with its trade offers is sent as product.deleted, and nothing waits behind it', function (): void {
    $shop = new_shop();
    install_module($shop);
    $parent = add_product($shop, 'Розы', 0);
    add_offer($shop, $parent, 'Розы 51', 9000, 2);
    add_offer($shop, $parent, 'Розы 101', 15000, 1);
    $other = add_product($shop, 'Тюльпаны', 4000);
    deliver_all();
    CIBlockElement::Delete($parent);
    (new CIBlockElement())->Update($other, ['NAME' => 'Тюльпаны 2']);
    $http = deliver_all();
    $sent = posted($http);
    same(['product.deleted', $parent], end($sent), 'the last word on the parent');
    check(!in_array(['product.updated', $parent], $sent, true), 'the parent is never sent as updated once gone: ' . json_encode($sent));
    check(in_array(['product.updated', $other], $sent, true), 'the other product went too');
    same(0, statuses()['pending']);
    same(0, statuses()['failed']);
});

finish();
