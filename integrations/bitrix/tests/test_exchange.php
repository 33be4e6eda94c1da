<?php

/*
 * The 1C exchange: real CommerceML files (fixtures/1c) through the stand-in's exchange component,
 * which fires the events Bitrix fires per file; the module queues nothing per element during
 * the exchange and sends what changed after it — also when the exchange never finishes.
 */

declare(strict_types=1);

require __DIR__ . '/lib/site.php';

use Bitrix\Main\Config\Option;
use Vitrinalab\Vitrina\Agent;
use Vitrinalab\Vitrina\Backoff;
use Vitrinalab\Vitrina\Bulk;
use Vitrinalab\Vitrina\Catalog;
use Vitrinalab\Vitrina\CatalogSource;
use Vitrinalab\Vitrina\Imports;
use Vitrinalab\Vitrina\Outbox;
use Vitrinalab\Vitrina\Sender;
use Vitrinalab\Vitrina\Settings;

/**
 * 1C uploads and imports each file, then (unless $complete is false) says the exchange is done.
 *
 * @param list<string> $files names under fixtures/1c
 * @return list<string> the answer to each import
 */
function exchange(Shop $shop, array $files, bool $complete = true): array
{
    $component = new CatalogExchange1C($shop->catalog);
    $component->handle('checkauth', '', '');
    $component->handle('init', '', '');
    $answers = [];
    foreach ($files as $file) {
        $name = preg_replace('/-(\d+|broken)\.xml$/', '.xml', $file); // 1C always calls them import.xml / offers.xml
        same('success', $component->handle('file', $name, (string) file_get_contents(__DIR__ . "/fixtures/1c/{$file}")));
        $answers[] = $component->handle('import', $name, '');
    }
    if ($complete) {
        $component->handle('complete', '', '');
    }

    return $answers;
}

/** What an agent run does after the exchange: the scan to its end, then the sender. */
function scan_and_send(): ScriptedTransport
{
    $settings = Settings::load();
    do {
        $state = Bulk::step($settings, new Catalog($settings), new Outbox(), time());
    } while ($state['mode'] !== '' && $state['finished_at'] === '');
    $http = new ScriptedTransport();
    (new Sender($settings, new Outbox(), new CatalogSource(new Catalog($settings)), $http, new FrozenClock(time()), new Backoff(10, 3600)))->run();

    return $http;
}

/** @return array<string, array{0: string, 1: mixed}> product title or id => [event type, price] */
function sent(ScriptedTransport $http): array
{
    $out = [];
    foreach ($http->envelopes() as $e) {
        $out[(string) ($e['product_data']['title'] ?? $e['product_data']['id'])] = [$e['event_type'], $e['product_data']['price'] ?? null];
    }
    ksort($out);

    return $out;
}

function element_id(string $xmlId): int
{
    return (int) StandIn::db()->query("SELECT ID FROM b_iblock_element WHERE XML_ID = '{$xmlId}'")->fetch()['ID'];
}

test('a full exchange queues nothing per element; its end sends every product, offers rolled up', function (): void {
    $shop = new_shop();
    install_module($shop);
    same(['success', 'success'], exchange($shop, ['import-1.xml', 'offers-1.xml'], complete: false));
    same([], outbox_rows(), 'nothing per element');
    exchange($shop, [], complete: true);
    check(Bulk::isRunning(), '"what changed" runs after the exchange');
    same([
        'Букет «51 роза»' => ['product.updated', 29500],
        'Пионы' => ['product.updated', 18000],
        'Тюльпаны микс' => ['product.updated', 12000],
    ], sent(scan_and_send()));
});

test('the next exchange: a renamed product, a deleted one, a new one and a deleted offer all arrive', function (): void {
    $shop = new_shop();
    install_module($shop);
    exchange($shop, ['import-1.xml', 'offers-1.xml']);
    scan_and_send();
    $peonies = element_id('a1f3b2c0-0003-11ee-8000-00155d000003');
    exchange($shop, ['import-2.xml', 'offers-2.xml']);
    same([
        (string) $peonies => ['product.deleted', null],
        'Букет «51 роза»' => ['product.updated', 31000],
        'Тюльпаны микс, 25 шт' => ['product.updated', 12000],
        'Хризантемы' => ['product.updated', 7500],
    ], sent(scan_and_send()));
});

test('a failed exchange closes its window by itself and catches up, admin edits included', function (): void {
    $shop = new_shop();
    install_module($shop);
    $vitrina = start_server(__DIR__ . '/fixtures/vitrina_ok.php');
    Option::set(MODULE_ID, 'vitrina_url', $vitrina['url']);
    exchange($shop, ['import-1.xml', 'offers-1.xml']);
    scan_and_send();
    $answers = exchange($shop, ['import-2.xml', 'offers-broken.xml'], complete: false);
    same('success', $answers[0]);
    check(str_starts_with($answers[1], 'failure'), 'the broken file fails: ' . $answers[1]);
    $tulips = element_id('a1f3b2c0-0002-11ee-8000-00155d000002');
    (new CIBlockElement())->Update($tulips, ['NAME' => 'Тюльпаны (правка в админке)']);
    Agent::run();
    check(Imports::isOpen(time()), 'the window is open while the exchange may still go on');
    // An hour later 1C has not come back.
    Option::set(MODULE_ID, 'import_started_at', (string) (time() - Imports::WINDOW_S - 1));
    Agent::run(); // closes the window, starts the scan and sends a batch
    do {
        Agent::run();
    } while (Bulk::isRunning());
    Agent::run();
    $sent = array_column(array_filter(outbox_rows(), static fn (array $r): bool => $r['STATUS'] === 'delivered'), 'PRODUCT_ID');
    check(in_array((string) $tulips, array_map('strval', $sent), true), 'the admin\'s edit made during the failed exchange was sent');
    check(!Imports::isOpen(time()), 'the window is closed');
});

test('a running scan is not restarted by the next file: it is marked to run again', function (): void {
    $shop = new_shop();
    install_module($shop, ['bulk_batch' => '10']);
    for ($i = 0; $i < 25; $i++) {
        add_product($shop, "Букет {$i}", 1000 + $i);
    }
    Bulk::request(Bulk::CHANGED, time());
    $settings = Settings::load();
    $state = Bulk::step($settings, new Catalog($settings), new Outbox(), time());
    $cursor = $state['cursor'];
    check((int) $cursor > 0, 'the scan is under way');
    exchange($shop, ['import-1.xml']); // a file's success while the scan runs
    same($cursor, Bulk::state()['cursor'], 'not restarted');
    same(Bulk::CHANGED, Bulk::state()['again'], 'marked to run again');
    for ($i = 0; $i < 20 && $state['checked'] !== '0'; $i++) {
        $state = Bulk::step($settings, new Catalog($settings), new Outbox(), time());
    }
    same(['products', '0', '0', '', ''], [$state['phase'], $state['cursor'], $state['checked'], $state['finished_at'], Bulk::state()['again']], 'then it runs again from the start');
});

test('a 1C file does not replace a "send everything" the admin started', function (): void {
    $shop = new_shop();
    install_module($shop);
    Bulk::request(Bulk::ALL, time());
    exchange($shop, ['import-1.xml']);
    same(Bulk::ALL, Bulk::state()['mode']);
    same('0', Bulk::state()['checked'], 'the admin\'s run goes on where it was');
});

test('OnCompleteCatalogImport1C is handled: 1C\'s mode=complete ends the exchange', function (): void {
    $shop = new_shop();
    install_module($shop);
    check(in_array('OnCompleteCatalogImport1C', array_column(StandIn::db()->query("SELECT MESSAGE_ID FROM b_module_to_module WHERE TO_MODULE_ID = 'vitrinalab.vitrina'")->fetchAll(), 'MESSAGE_ID'), true), 'registered');
    Imports::open(time());
    exchange($shop, [], complete: true);
    check(!Imports::isOpen(time()), 'the window closed');
    check(Bulk::isRunning(), 'the scan started');
});

finish();
