<?php

/*
 * Real HTTP on 127.0.0.1 (PHP's built-in server): the stream transport, the shop API product
 * source, two concurrent sender processes sharing one outbox, the agent run from "cron", the CLI.
 */

declare(strict_types=1);

require __DIR__ . '/lib/site.php';

use Vitrina\Bitrix\Outbox;
use Vitrina\Bitrix\ProductSourceUnavailable;
use Vitrina\Bitrix\ShopApiProductSource;
use Vitrina\Bitrix\StreamTransport;

const SHOP_TOKEN = 'shop-token';

/** @return array{dir: string, server: array, url: string} */
function fake_vitrina(array $mode = []): array
{
    $dir = tmpdir();
    file_put_contents("{$dir}/mode.json", json_encode($mode));
    $server = start_server(__DIR__ . '/lib/fake_vitrina.php', ['FAKE_VITRINA_DIR' => $dir, 'FAKE_VITRINA_SECRET' => SECRET]);

    return ['dir' => $dir, 'server' => $server, 'url' => $server['url']];
}

/** @return list<array<string, mixed>> */
function received(string $dir): array
{
    $file = "{$dir}/requests.jsonl";
    return is_file($file) ? array_map(fn ($l) => json_decode($l, true), file($file, FILE_IGNORE_NEW_LINES)) : [];
}

/** A site database on disk plus the environment a subprocess (prolog_before.php) needs. */
function site_env(string $vitrinaUrl, string $shopUrl = 'http://127.0.0.1:9'): array
{
    $path = tmpdir() . '/site.db';
    new_site(null, $path);

    return [
        'VITRINA_STANDIN_DB' => $path,
        'VITRINA_URL' => $vitrinaUrl,
        'VITRINA_WEBHOOK_SECRETS' => SECRET,
        'VITRINA_CATALOG_IBLOCK_ID' => (string) CATALOG_IBLOCK,
        'VITRINA_SHOP_API_URL' => $shopUrl,
        'VITRINA_SHOP_API_TOKEN' => SHOP_TOKEN,
        'VITRINA_TIMEOUT_S' => '2',
    ];
}

test('stream transport: body, status and headers of 2xx and 5xx answers; refused; timed out', function (): void {
    $vitrina = fake_vitrina(['status' => 503, 'retry_after' => '7']);
    $http = new StreamTransport();
    $body = '{"x":1}';
    $headers = \Vitrina\Bitrix\Signer::headers([SECRET], 'id-1', time(), $body) + ['Content-Type' => 'application/json'];
    $r = $http->request('POST', $vitrina['url'] . '/api/v1/webhooks/product-sync', $headers, $body, 2.0);
    same(503, $r->status);
    same('7', $r->header('Retry-After'));
    same('error', json_decode($r->body, true)['status']);
    same([['x' => 1]], array_column(received($vitrina['dir']), 'envelope'));
    check(received($vitrina['dir'])[0]['signed'], 'signature checked by the server');

    file_put_contents("{$vitrina['dir']}/mode.json", json_encode(['status' => 200, 'sleep_ms' => 1500]));
    $started = microtime(true);
    $r = $http->request('POST', $vitrina['url'] . '/x', $headers, $body, 0.5);
    $took = microtime(true) - $started;
    same(0, $r->status, 'a slow answer is a network error');
    check($took < 1.4, "gave up after the 0.5 s timeout, not {$took} s");

    $r = $http->request('POST', 'http://127.0.0.1:' . free_port() . '/x', [], '{}', 1.0);
    same(0, $r->status);
    check(str_contains(strtolower($r->error), 'refused'), "refused: {$r->error}");
});

test('shop API product source: the product-detail format; 404 = gone; auth or outage = unavailable', function (): void {
    $path = tmpdir() . '/site.db';
    $db = new_site(null, $path);
    $id = save_product($db, 'Собранный букет', 20000);
    $shop = start_server(BITRIX_ROOT . '/standin/shop_api.php', ['VITRINA_STANDIN_DB' => $path, 'SHOP_API_TOKEN' => SHOP_TOKEN]);
    $source = new ShopApiProductSource(new StreamTransport(), $shop['url'], SHOP_TOKEN, 2.0);
    $product = $source->fetch($id);
    same($id, $product['id']);
    same('Собранный букет', $product['title']);
    same("20\u{00A0}000 ₸", $product['price']);
    same(true, $product['isAvailable']);
    $shared = dirname(BITRIX_ROOT, 3) . '/shared/bitrix/product-detail.json';
    if (is_file($shared)) {
        $example = json_decode((string) file_get_contents($shared), true)['data'];
        same(array_keys($example), array_keys($product), 'same fields as shared/bitrix/product-detail.json');
    }
    same(null, $source->fetch(999_999));
    throws(ProductSourceUnavailable::class, fn () => (new ShopApiProductSource(new StreamTransport(), $shop['url'], 'wrong', 2.0))->fetch($id));
    touch($path . '.down');
    throws(ProductSourceUnavailable::class, fn () => $source->fetch($id));
});

test('two sender processes at once never post the same row, and a product\'s rows stay in order', function (): void {
    $vitrina = fake_vitrina(['sleep_ms' => 150]);
    $env = site_env($vitrina['url']);
    $outbox = new Outbox($GLOBALS['DB']);
    foreach (range(1, 12) as $product) {
        $outbox->enqueue(Outbox::UPDATED, $product, time());
    }
    $outbox->enqueue(Outbox::UPDATED, 1, time());
    $outbox->enqueue(Outbox::DELETED, 1, time());
    $env['VITRINA_SHOP_API_URL'] = start_server(BITRIX_ROOT . '/standin/shop_api.php', ['VITRINA_STANDIN_DB' => $env['VITRINA_STANDIN_DB']])['url'];
    $cli = BITRIX_ROOT . '/local/php_interface/vitrina/cli/outbox.php';
    $env['VITRINA_BITRIX_PROLOG'] = BITRIX_ROOT . '/standin/prolog_before.php';
    $procs = [];
    foreach ([1, 2] as $n) {
        $procs[$n] = proc_open([PHP_BINARY, $cli, 'send'], [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes[$n], null, $env + getenv());
    }
    $outputs = [];
    foreach ($procs as $n => $proc) {
        $outputs[$n] = stream_get_contents($pipes[$n][1]) . stream_get_contents($pipes[$n][2]);
        same(0, proc_close($proc), "sender {$n}: {$outputs[$n]}");
    }
    $got = received($vitrina['dir']);
    $ids = array_column(array_column($got, 'envelope'), 'event_id');
    same(14, count($ids), 'every row posted');
    same(14, count(array_unique($ids)), 'no row posted twice: ' . implode(' | ', $outputs));
    $delivered = array_map(fn ($o) => (int) preg_replace('/^delivered (\d+).*$/s', '$1', $o), $outputs);
    check($delivered[1] > 0 && $delivered[2] > 0, 'both runs worked at the same time: ' . implode(' | ', $outputs));
    $product1 = array_values(array_filter(array_column($got, 'envelope'), fn ($e) => ($e['product_data']['id'] ?? null) === 1));
    $sequences = array_column($product1, 'sequence');
    $sorted = $sequences;
    sort($sorted);
    same($sorted, $sequences, "product 1's rows in id order");
    same('product.deleted', end($product1)['event_type']);
    same(['pending' => 0, 'delivered' => 14, 'failed' => 0], $outbox->counts());
});

test('the agent, installed once, is run by cron, delivers and stays scheduled', function (): void {
    $vitrina = fake_vitrina();
    $env = site_env($vitrina['url']);
    $env['VITRINA_BITRIX_PROLOG'] = BITRIX_ROOT . '/standin/prolog_before.php';
    $cli = BITRIX_ROOT . '/local/php_interface/vitrina/cli/outbox.php';
    foreach ([1, 2] as $_) {
        [$code, $out, $err] = run_command([PHP_BINARY, $cli, 'install'], $env);
        same(0, $code, $out . $err);
    }
    same(1, count(iterator_to_array((function () {
        $r = CAgent::GetList([], ['NAME' => \Vitrina\Bitrix\Module::AGENT]);
        while ($row = $r->Fetch()) {
            yield $row;
        }
    })(), false)), 'one agent after two installs');
    (new Outbox($GLOBALS['DB']))->enqueue(Outbox::DELETED, 5, time());
    [$code, $out, $err] = run_command([PHP_BINARY, __DIR__ . '/lib/cron_events.php'], $env);
    same(0, $code, $out . $err);
    same(['product.deleted'], array_column(array_column(received($vitrina['dir']), 'envelope'), 'event_type'));
    $agent = CAgent::GetList([], ['NAME' => \Vitrina\Bitrix\Module::AGENT])->Fetch();
    check($agent !== false && (int) $agent['NEXT_EXEC'] > time() + 30, 'rescheduled about a minute ahead');
});

test('the CLI lists failed rows with the reason and requeues them', function (): void {
    $vitrina = fake_vitrina(['status' => 422]);
    $env = site_env($vitrina['url']);
    $env['VITRINA_BITRIX_PROLOG'] = BITRIX_ROOT . '/standin/prolog_before.php';
    $cli = BITRIX_ROOT . '/local/php_interface/vitrina/cli/outbox.php';
    (new Outbox($GLOBALS['DB']))->enqueue(Outbox::DELETED, 77, time());
    [$code, $out] = run_command([PHP_BINARY, $cli, 'send'], $env);
    same("delivered 0, retrying 0, failed 1\n", $out);
    [$code, $out] = run_command([PHP_BINARY, $cli, 'failed'], $env);
    check(str_contains($out, 'product.deleted product 77') && str_contains($out, 'HTTP 422'), $out);
    [$code, $out] = run_command([PHP_BINARY, $cli, 'status'], $env);
    check(str_contains($out, 'failed     1'), $out);
    file_put_contents("{$vitrina['dir']}/mode.json", '{}');
    [$code, $out] = run_command([PHP_BINARY, $cli, 'requeue'], $env);
    same("requeued 1\n", $out);
    [$code, $out] = run_command([PHP_BINARY, $cli, 'send'], $env);
    same("delivered 1, retrying 0, failed 0\n", $out);
});

finish();
