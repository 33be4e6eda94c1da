<?php

/*
 * The module over real HTTP on the stand-in site (php -S standin/router.php): the signed api.php
 * (manifest, resend), the settings page (render, validation, sessid), the storefront widget, the
 * agent run from cron, and the CLI.
 */

declare(strict_types=1);

require __DIR__ . '/lib/site.php';

use Bitrix\Main\Config\Option;
use Vitrinalab\Vitrina\Signer;

/** The stand-in site of $shop served by php -S. */
function serve_site(Shop $shop, array $env = []): array
{
    return start_server(BITRIX_ROOT . '/standin/router.php', $env + ['STANDIN_ROOT' => $shop->root, 'VITRINA_STANDIN_DB' => $shop->db]);
}

/**
 * @param array<string, string> $headers
 * @return array{status: int, body: string, headers: array<string, string>}
 */
function http(string $method, string $url, array $headers = [], ?string $body = null): array
{
    $response = (new \Vitrinalab\Vitrina\BitrixHttpTransport())->request($method, $url, $headers, $body, 20.0);
    check(!$response->isNetworkError(), "{$method} {$url}: {$response->error}");

    return ['status' => $response->status, 'body' => $response->body, 'headers' => $response->headers];
}

/** A POST to api.php signed with $secret, as Vitrina sends it. */
function api(array $server, array $request, string $secret = SECRET, ?int $timestamp = null): array
{
    $body = json_encode($request);
    $headers = ['Content-Type' => 'application/json'] + Signer::headers([$secret], 'vitrina-' . bin2hex(random_bytes(4)), $timestamp ?? time(), $body);

    return http('POST', $server['url'] . '/bitrix/tools/vitrinalab.vitrina/api.php', $headers, $body);
}

test('api.php answers a signed manifest request with a signed manifest', function (): void {
    $shop = new_shop();
    install_module($shop);
    $ids = [add_product($shop, 'A', 1000), add_product($shop, 'B', 2000), add_product($shop, 'C', 3000)];
    $server = serve_site($shop);
    $r = api($server, ['action' => 'manifest', 'site' => 's1', 'after' => 0, 'limit' => 2]);
    same(200, $r['status'], $r['body']);
    $page = json_decode($r['body'], true);
    same([$ids[0], $ids[1]], array_column($page['items'], 'id'));
    same([$ids[1], 3], [$page['next_after'], $page['total']]);
    same(null, Signer::verify([SECRET], $r['headers']['webhook-id'] ?? null, $r['headers']['webhook-timestamp'] ?? null, $r['headers']['webhook-signature'] ?? null, $r['body'], time()), 'the answer is signed');
    $last = json_decode(api($server, ['action' => 'manifest', 'site' => 's1', 'after' => $page['next_after'], 'limit' => 2])['body'], true);
    same([[$ids[2]], null], [array_column($last['items'], 'id'), $last['next_after']]);
});

test('api.php refuses what is not signed with the secret, and names bad fields; nothing is queued', function (): void {
    $shop = new_shop();
    install_module($shop);
    $id = add_product($shop, 'A', 1000);
    StandIn::db()->queryExecute('DELETE FROM b_vitrinalab_vitrina_outbox');
    $server = serve_site($shop);
    $url = $server['url'] . '/bitrix/tools/vitrinalab.vitrina/api.php';
    same(401, http('POST', $url, ['Content-Type' => 'application/json'], '{"action":"resend","ids":[1]}')['status'], 'unsigned');
    $r = api($server, ['action' => 'resend', 'ids' => [$id]], 'whsec_' . base64_encode(random_bytes(32)));
    same(401, $r['status'], 'another secret');
    check(str_contains($r['body'], 'webhook-signature'), $r['body']);
    same(401, api($server, ['action' => 'resend', 'ids' => [$id]], SECRET, time() - 3600)['status'], 'an old (replayed) request');
    same(405, http('GET', $url)['status']);
    $r = api($server, ['action' => 'resend', 'ids' => [$id, -5]]);
    same(422, $r['status']);
    same('ids[1]', json_decode($r['body'], true)['field']);
    check(str_contains($r['body'], '-5'), 'the value is named: ' . $r['body']);
    same(422, api($server, ['action' => 'manifest', 'limit' => 5000])['status']);
    same('site', json_decode(api($server, ['action' => 'manifest', 'site' => "s1' OR 1=1"])['body'], true)['field']);
    same('action', json_decode(api($server, ['action' => 'drop'])['body'], true)['field']);
    same([], outbox_rows(), 'nothing queued by any of them');
    $r = api($server, ['action' => 'resend', 'ids' => [$id, $id, 424242]]);
    same([200, ['queued' => 2]], [$r['status'], json_decode($r['body'], true)]);
    same([$id, 424242], array_map('intval', array_column(outbox_rows(), 'PRODUCT_ID')));
});

test('api.php answers a request once, signed under its own webhook-id; a replay is refused', function (): void {
    $shop = new_shop();
    install_module($shop);
    add_product($shop, 'A', 1000);
    $server = serve_site($shop);
    $body = json_encode(['action' => 'manifest', 'site' => 's1', 'after' => 0, 'limit' => 10]);
    $headers = ['Content-Type' => 'application/json'] + Signer::headers([SECRET], 'vitrina-replay-1', time(), $body);
    $url = $server['url'] . '/bitrix/tools/vitrinalab.vitrina/api.php';
    $first = http('POST', $url, $headers, $body);
    same(200, $first['status'], $first['body']);
    same('vitrina-replay-1', $first['headers']['webhook-id'] ?? null, 'the answer names the request it answers');
    $again = http('POST', $url, $headers, $body);
    same(409, $again['status'], $again['body']);
    same('webhook-id', json_decode($again['body'], true)['field']);
    same(200, api($server, ['action' => 'manifest', 'site' => 's1'])['status'], 'a new request is answered');
});

test('the settings page renders every tab in Russian and English', function (): void {
    $shop = new_shop();
    install_module($shop);
    foreach (['ru' => ['Подключение к Витрине', 'Проверить подключение', 'Отправить всё заново', 'Инфоблоки каталога', 'Розничная'],
        'en' => ['Connection to Vitrina', 'Check the connection', 'Send everything again', 'Catalog info blocks', 'Розничная']] as $lang => $expected) {
        $server = serve_site($shop, ['STANDIN_LANG' => $lang]);
        $page = http('GET', $server['url'] . '/bitrix/admin/settings.php?mid=vitrinalab.vitrina&lang=' . $lang);
        same(200, $page['status']);
        foreach ($expected as $text) {
            check(str_contains($page['body'], $text), "{$lang}: '{$text}' on the page");
        }
        check(!preg_match('/VITRINALAB_VITRINA_|Warning|Notice|Fatal/', $page['body']), "{$lang}: no missing message or PHP error");
        stop_server($server);
    }
});

test('saving settings: a wrong value is named and nothing is saved; without sessid nothing happens', function (): void {
    $shop = new_shop();
    install_module($shop);
    $server = serve_site($shop, ['STANDIN_LANG' => 'en']);
    $url = $server['url'] . '/bitrix/admin/settings.php?mid=vitrinalab.vitrina&lang=en';
    $form = [
        'sessid' => StandIn::$sessid, 'save' => 'Y', 'vitrina_url' => 'vitrina.example.kz', 'secret' => 'whsec_not base64!',
        'source' => 'iblock', 'iblock_ids' => [(string) $shop->catalog], 'price_type_id' => '2', 'product_url_base' => 'https://flowers.kz/shop',
        'prop_height' => 'HEIGHT', 'prop_width' => 'WIDTH', 'prop_composition' => 'COMPOSITION', 'prop_type' => 'TYPE', 'prop_more_photo' => 'MORE_PHOTO',
        'send_rate' => 'fast', 'bulk_batch' => '500', 'batch_size' => '50', 'timeout_s' => '5', 'widget_url' => '',
    ];
    $post = static fn (array $f): array => http('POST', $url, ['Content-Type' => 'application/x-www-form-urlencoded'], http_build_query($f));
    $page = $post($form);
    foreach (['Settings not saved', 'got &quot;vitrina.example.kz&quot;', 'must start with whsec_', 'got &quot;https://flowers.kz/shop&quot;', 'Expected a number from 0.1 to 1000, got &quot;fast&quot;'] as $text) {
        check(str_contains($page['body'], $text), "error shown: {$text}");
    }
    same('http://vitrina.test', Option::get(MODULE_ID, 'vitrina_url'), 'nothing saved');
    $good = ['vitrina_url' => 'https://vitrina.example.kz', 'secret' => SECRET, 'product_url_base' => 'https://flowers.kz', 'send_rate' => '5'] + $form;
    $post(['sessid' => 'stolen'] + $good);
    same('http://vitrina.test', Option::get(MODULE_ID, 'vitrina_url'), 'no sessid, no change');
    check(str_contains($post($good)['body'], 'Settings saved'), 'saved');
    same(['https://vitrina.example.kz', '5', (string) $shop->catalog], [Option::get(MODULE_ID, 'vitrina_url'), Option::get(MODULE_ID, 'send_rate'), Option::get(MODULE_ID, 'iblock_ids')]);
});

test('"check the connection" says when Vitrina cannot be reached, with the reason', function (): void {
    $shop = new_shop();
    install_module($shop);
    $server = serve_site($shop, ['STANDIN_LANG' => 'en']);
    $form = ['sessid' => StandIn::$sessid, 'check' => 'Y', 'vitrina_url' => 'http://127.0.0.1:9', 'secret' => SECRET, 'source' => 'iblock',
        'iblock_ids' => [(string) $shop->catalog], 'price_type_id' => '2', 'product_url_base' => 'https://flowers.kz',
        'send_rate' => '20', 'bulk_batch' => '500', 'batch_size' => '50', 'timeout_s' => '2'];
    $page = http('POST', $server['url'] . '/bitrix/admin/settings.php?mid=vitrinalab.vitrina&lang=en', ['Content-Type' => 'application/x-www-form-urlencoded'], http_build_query($form))['body'];
    check(str_contains($page, 'Vitrina at http://127.0.0.1:9 cannot be reached'), strip_tags($page));
    check(!str_contains($page, 'The secret is right'), 'no second step without an answer');
});

test('the settings page shows the queue and starts "send everything again"', function (): void {
    $shop = new_shop();
    install_module($shop);
    add_product($shop, 'A', 1000);
    $server = serve_site($shop, ['STANDIN_LANG' => 'en']);
    $url = $server['url'] . '/bitrix/admin/settings.php?mid=vitrinalab.vitrina&lang=en';
    $page = http('POST', $url, ['Content-Type' => 'application/x-www-form-urlencoded'], http_build_query(['sessid' => StandIn::$sessid, 'send_all' => 'Y']));
    check(str_contains($page['body'], 'Full export started'), 'note shown');
    check(str_contains($page['body'], 'Everything since'), 'progress shown');
    same('all', Option::get(MODULE_ID, 'bulk_mode'));
    check(str_contains($page['body'], '/bitrix/tools/vitrinalab.vitrina/api.php'), 'the manifest address for Vitrina is shown');
});

test('the widget script is added to public pages when enabled, never to admin pages', function (): void {
    $shop = new_shop();
    install_module($shop);
    $server = serve_site($shop);
    check(!str_contains(http('GET', $server['url'] . '/catalog/')['body'], 'widget.js'), 'off by default');
    Option::set(MODULE_ID, 'widget_enabled', 'Y');
    Option::set(MODULE_ID, 'widget_url', 'https://vitrina.example.kz/widget.js');
    check(str_contains(http('GET', $server['url'] . '/catalog/')['body'], '<script src="https://vitrina.example.kz/widget.js" defer></script>'), 'on public pages');
    check(!str_contains(http('GET', $server['url'] . '/bitrix/admin/settings.php?mid=main')['body'], '<script src="https://vitrina.example.kz/widget.js"'), 'not in the admin');
});

test('the agent runs from cron; the CLI shows status and requeues', function (): void {
    $shop = new_shop();
    install_module($shop, ['vitrina_url' => 'http://127.0.0.1:9']); // nothing listens: every send fails
    add_product($shop, 'A', 1000);
    $env = ['STANDIN_ROOT' => $shop->root, 'VITRINA_STANDIN_DB' => $shop->db];
    [$code, $out, $err] = run_command([PHP_BINARY, BITRIX_ROOT . '/standin/cron_events.php'], $env);
    same(0, $code, $err);
    $row = outbox_rows()[0];
    same([1, 'pending'], [(int) $row['ATTEMPTS'], $row['STATUS']]);
    check(str_contains((string) $row['LAST_ERROR'], '127.0.0.1:9'), 'the reason is kept: ' . $row['LAST_ERROR']);
    $cli = [PHP_BINARY, $shop->root . '/local/modules/vitrinalab.vitrina/cli/vitrina.php'];
    [$code, $out] = run_command([...$cli, 'status'], $env + ['BITRIX_DOCUMENT_ROOT' => $shop->root]);
    same(0, $code);
    check((bool) preg_match('/pending\s+1/', $out), $out);
    StandIn::db()->queryExecute("UPDATE b_vitrinalab_vitrina_outbox SET STATUS = 'failed'");
    [$code, $out] = run_command([...$cli, 'requeue'], $env + ['BITRIX_DOCUMENT_ROOT' => $shop->root]);
    same([0, "1 rows queued again\n"], [$code, $out]);
    [$code, , $err] = run_command([...$cli, 'bogus'], $env + ['BITRIX_DOCUMENT_ROOT' => $shop->root]);
    same(2, $code, $err);
});

finish();
