<?php

/*
 * End to end against a live Vitrina on 127.0.0.1:
 *   VITRINA_E2E_URL=http://127.0.0.1:P VITRINA_E2E_SECRET=whsec_... php test_e2e_vitrina.php
 * (tests/integrations/test_bitrix_php_module.py starts Vitrina and runs this.)
 *
 * The module posts through a pass-through gateway (lib/gateway.php) that the test stops and starts
 * again on the same port: that is "Vitrina down" as the sender sees it — connection refused.
 * Products are read from the stand-in shop API (standin/shop_api.php) over HTTP, as on a real site.
 */

declare(strict_types=1);

require __DIR__ . '/lib/site.php';

use Vitrina\Bitrix\Config;
use Vitrina\Bitrix\Outbox;
use Vitrina\Bitrix\Sender;

$vitrinaUrl = getenv('VITRINA_E2E_URL');
$secret = getenv('VITRINA_E2E_SECRET');
if (!$vitrinaUrl || !$secret) {
    fwrite(STDERR, "set VITRINA_E2E_URL and VITRINA_E2E_SECRET (a running Vitrina and its webhook secret)\n");
    exit(2);
}

/** GET a product from Vitrina's catalog API; null on 404. */
function vitrina_product(string $vitrinaUrl, int $id): ?array
{
    $r = (new \Vitrina\Bitrix\StreamTransport())->request('GET', "{$vitrinaUrl}/api/v1/products/{$id}", ['Accept' => 'application/json'], null, 5.0);
    if ($r->status === 404) {
        return null;
    }
    check($r->status === 200, "GET product {$id}: HTTP {$r->status} {$r->body}");

    return json_decode($r->body, true);
}

/** @return list<array<string, mixed>> what went through the gateway */
function gateway_log(string $file): array
{
    return is_file($file) ? array_map(fn ($l) => json_decode($l, true), file($file, FILE_IGNORE_NEW_LINES)) : [];
}

test('products saved in Bitrix reach Vitrina; while Vitrina is down rows wait and are delivered later, in order', function () use ($vitrinaUrl, $secret): void {
    $dir = tmpdir();
    $db = new_site(null, "{$dir}/site.db");
    $shop = start_server(BITRIX_ROOT . '/standin/shop_api.php', ['VITRINA_STANDIN_DB' => "{$dir}/site.db", 'SHOP_API_TOKEN' => 'shop-token']);
    $gatewayEnv = ['GATEWAY_UPSTREAM' => $vitrinaUrl, 'GATEWAY_LOG' => "{$dir}/gateway.jsonl"];
    $gateway = start_server(__DIR__ . '/lib/gateway.php', $gatewayEnv);
    $config = new Config(
        vitrinaUrl: $gateway['url'],
        secrets: [$secret],
        catalogIblockId: CATALOG_IBLOCK,
        shopApiUrl: $shop['url'],
        shopApiToken: 'shop-token',
        timeoutS: 3.0,
        retryBaseS: 1, // seconds, so the test sees several retries quickly
        retryCapS: 2,
    );
    $sender = Sender::create($config, $db);
    $outbox = new Outbox($db);
    // Bitrix never reuses element ids; start high so repeated runs against one Vitrina don't collide.
    $db->Query("INSERT INTO sqlite_sequence (name, seq) VALUES ('b_iblock_element', " . (random_int(1, 1000) * 1000 + 700_000) . ')');

    // 1. The admin saves a product: element + price in one transaction.
    $rose = save_product($db, 'Букет «Розовый рассвет»', 4950);
    $report = $sender->run();
    same(2, $report->delivered, 'created + price row delivered');
    $product = vitrina_product($vitrinaUrl, $rose);
    check($product !== null, "product {$rose} is in Vitrina's catalog");
    same('Букет «Розовый рассвет»', $product['name']);
    same(495000, $product['price'], 'price in minor units (tenge × 100)');
    same(true, $product['enabled']);
    same(['created', 'updated'], array_column(array_column(gateway_log("{$dir}/gateway.jsonl"), 'answer'), 'action'));

    // 2. Vitrina goes down; the shop keeps changing.
    stop_server($gateway);
    $priceId = (int) \Bitrix\Catalog\PriceTable::getList(['filter' => ['=PRODUCT_ID' => $rose]])->fetch()['ID'];
    \Bitrix\Catalog\PriceTable::update($priceId, ['PRICE' => 5200]);
    (new CIBlockElement())->Update($rose, ['NAME' => 'Букет «Розовый рассвет» XL']);
    \Bitrix\Catalog\ProductTable::update($rose, ['AVAILABLE' => 'N']);
    $tulip = save_product($db, 'Тюльпаны 25 шт', 12000);
    $gone = save_product($db, 'Снятый с продажи', 1000);
    CIBlockElement::Delete($gone);
    $pending = $outbox->counts()['pending'];
    same(8, $pending, 'three changes of the rose, two of the tulips, three of the removed one');

    $attempts = 0;
    $deadline = microtime(true) + 4;
    while (microtime(true) < $deadline) {
        $report = $sender->run();
        same(0, $report->delivered, 'nothing is delivered while Vitrina is down');
        $attempts += $report->retried;
        usleep(300_000);
    }
    check($attempts >= 6, "the first row of each product was retried several times ({$attempts} attempts)");
    $rows = outbox_rows($db);
    $pendingRows = array_values(array_filter($rows, fn ($r) => $r['status'] === 'pending'));
    same($pending, count($pendingRows), 'every row still pending');
    check(str_contains(strtolower((string) $pendingRows[0]['last_error']), 'refused'), 'network error recorded: ' . $pendingRows[0]['last_error']);
    same(0, (int) end($pendingRows)['attempts'], 'later rows of a product wait behind its failing first row');

    // 3. Vitrina is back at the same address; the agent keeps running.
    $before = count(gateway_log("{$dir}/gateway.jsonl"));
    $gateway = start_server(__DIR__ . '/lib/gateway.php', $gatewayEnv, $gateway['port']);
    $deadline = microtime(true) + 20;
    while ($outbox->counts()['pending'] > 0 && microtime(true) < $deadline) {
        $sender->run();
        usleep(200_000);
    }
    same(['pending' => 0, 'delivered' => 10, 'failed' => 0], $outbox->counts());

    $after = array_slice(gateway_log("{$dir}/gateway.jsonl"), $before);
    same($pending, count($after), 'each waiting row posted exactly once');
    $sequences = array_column(array_column($after, 'request'), 'sequence');
    foreach ([$rose, $tulip, $gone] as $id) {
        $mine = array_values(array_filter($after, fn ($e) => $e['request']['product_data']['id'] === $id));
        $seq = array_column(array_column($mine, 'request'), 'sequence');
        $sorted = $seq;
        sort($sorted);
        same($sorted, $seq, "product {$id}: rows posted in id order");
    }
    same([], array_values(array_filter(array_column(array_column($after, 'answer'), 'action'), fn ($a) => $a === 'stale')), 'Vitrina dropped nothing as stale');
    same(200, min(array_column($after, 'status')));

    $product = vitrina_product($vitrinaUrl, $rose);
    same('Букет «Розовый рассвет» XL', $product['name']);
    same(520000, $product['price']);
    same(false, $product['enabled'], 'unavailable in the shop → disabled in Vitrina');
    $tulips = vitrina_product($vitrinaUrl, $tulip);
    same([1200000, true], [$tulips['price'], $tulips['enabled']]);
    $removed = vitrina_product($vitrinaUrl, $gone);
    check($removed === null || $removed['enabled'] === false, 'the deleted product is gone or disabled');

    // 4. A redelivery of an old row (say, after a crash mid-send) changes nothing.
    $db->Query("UPDATE vitrina_outbox SET status = 'pending', next_attempt_at = 0 WHERE id = " . (int) $rows[0]['id']);
    $sender->run();
    same('duplicate', $outbox->get((int) $rows[0]['id'])['response_action']);
});

finish();
