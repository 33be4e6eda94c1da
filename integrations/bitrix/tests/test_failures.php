<?php

/*
 * Failures stay local: one bad row, one failing agent phase or a database error inside an event
 * handler never stops the rest; errors reach Bitrix's event log and the settings page.
 */

declare(strict_types=1);

require __DIR__ . '/lib/site.php';

use Bitrix\Main\Config\Option;
use Vitrinalab\Vitrina\Agent;
use Vitrinalab\Vitrina\Backoff;
use Vitrinalab\Vitrina\Bulk;
use Vitrinalab\Vitrina\Outbox;
use Vitrinalab\Vitrina\OutboxTable;
use Vitrinalab\Vitrina\ProductSource;
use Vitrinalab\Vitrina\Sender;
use Vitrinalab\Vitrina\Settings;

/** Products whose reading misbehaves: 'type' throws a TypeError, 'latin1' has a name that is not UTF-8. */
final class BadProducts implements ProductSource
{
    /** @var array<int, string> */
    public array $bad = [];

    public function fetch(int $productId): ?array
    {
        return match ($this->bad[$productId] ?? '') {
            'type' => throw new TypeError('Catalog::payload(): Argument #2 must be of type array, null given'),
            'latin1' => ['id' => $productId, 'title' => "Букет \xC0\xC1", 'price' => 100, 'isAvailable' => true, 'stamp' => 'x'],
            default => ['id' => $productId, 'title' => "Букет {$productId}", 'price' => 100, 'isAvailable' => true, 'stamp' => "s{$productId}"],
        };
    }
}

/** @return array{0: Sender, 1: ScriptedTransport, 2: BadProducts} */
function sender_with(FrozenClock $clock, BadProducts $products): array
{
    $http = new ScriptedTransport();
    $settings = Settings::load();

    return [new Sender($settings, new Outbox(), $products, $http, $clock, new Backoff(10, 3600, fn (): float => 0.999)), $http, $products];
}

function row_of(int $productId): array
{
    return OutboxTable::getList(['filter' => ['=PRODUCT_ID' => $productId], 'order' => ['ID' => 'DESC'], 'limit' => 1])->fetch();
}

/** @return list<array<string, mixed>> the module's entries in the event log */
function event_log(): array
{
    return StandIn::db()->query("SELECT SEVERITY, AUDIT_TYPE_ID, ITEM_ID, DESCRIPTION FROM b_event_log WHERE MODULE_ID = 'vitrinalab.vitrina' ORDER BY ID")->fetchAll();
}

test('a name that is not UTF-8 fails its row at once, with the reason; the next product goes on', function (): void {
    $shop = new_shop();
    install_module($shop);
    $bad = add_product($shop, 'Плохой', 100);
    $good = add_product($shop, 'Хороший', 100);
    $products = new BadProducts();
    $products->bad[$bad] = 'latin1';
    [$sender, $http] = sender_with(new FrozenClock(time()), $products);
    $report = $sender->run();
    same([1, 1], [$report->delivered, $report->failed]);
    same(OutboxTable::FAILED, row_of($bad)['STATUS']);
    check(str_contains((string) row_of($bad)['LAST_ERROR'], 'JSON'), 'the reason: ' . row_of($bad)['LAST_ERROR']);
    same(null, row_of($bad)['LOCK_TOKEN'], 'the row is not left claimed');
    same(OutboxTable::DELIVERED, row_of($good)['STATUS']);
    same((string) $bad, (string) event_log()[0]['ITEM_ID'], 'in the event log under the product');
});

test('an error while building a row is retried with backoff, then failed after max_attempts; others are not held up', function (): void {
    $shop = new_shop();
    install_module($shop, ['max_attempts' => '3']);
    $bad = add_product($shop, 'Сломан', 100);
    $good = add_product($shop, 'Цел', 100);
    $products = new BadProducts();
    $products->bad[$bad] = 'type';
    $clock = new FrozenClock(time());
    [$sender] = sender_with($clock, $products);
    $sender->run();
    same(OutboxTable::PENDING, row_of($bad)['STATUS'], 'retried first');
    same('1', (string) row_of($bad)['ATTEMPTS']);
    same(null, row_of($bad)['LOCK_TOKEN'], 'not left claimed');
    check((int) row_of($bad)['NEXT_ATTEMPT_AT'] > $clock->now(), 'with backoff');
    check(str_contains((string) row_of($bad)['LAST_ERROR'], 'TypeError'), 'the reason: ' . row_of($bad)['LAST_ERROR']);
    same(OutboxTable::DELIVERED, row_of($good)['STATUS']);
    for ($i = 0; $i < 3; $i++) {
        $clock->time += 7200;
        $sender->run();
    }
    same(OutboxTable::FAILED, row_of($bad)['STATUS'], 'failed after max_attempts, not 3 days');
    same('3', (string) row_of($bad)['ATTEMPTS']);
    (new CIBlockElement())->Update($bad, ['NAME' => 'Сломан 2']);
    $products->bad = [];
    $sender->run();
    same(OutboxTable::DELIVERED, row_of($bad)['STATUS'], 'the product\'s next change is not held behind the failed row');
});

test('Vitrina down: one event log entry per run, not one per queued row', function (): void {
    $shop = new_shop();
    install_module($shop);
    for ($i = 0; $i < 3; $i++) {
        add_product($shop, "Букет {$i}", 100);
    }
    [$sender, $http] = sender_with(new FrozenClock(time()), new BadProducts());
    $http->default = new \Vitrinalab\Vitrina\HttpResponse(503, 'down');
    same(3, $sender->run()->retried);
    same(1, count(event_log()));
    check(str_contains((string) event_log()[0]['DESCRIPTION'], 'will be retried'), (string) event_log()[0]['DESCRIPTION']);
});

test('the agent: a failing "what changed" step does not stop the sending; both errors are logged', function (): void {
    $shop = new_shop();
    install_module($shop);
    $vitrina = start_server(__DIR__ . '/fixtures/vitrina_ok.php');
    Option::set(MODULE_ID, 'vitrina_url', $vitrina['url']);
    $id = add_product($shop, 'Букет', 5000);
    Bulk::start(Bulk::CHANGED, time());
    StandIn::db()->queryExecute('DROP TABLE b_vitrinalab_vitrina_sent'); // the scan's table is broken
    same(Agent::CALL, Agent::run());
    same(OutboxTable::DELIVERED, row_of($id)['STATUS'], 'the queue was sent anyway');
    $log = event_log();
    check($log !== [] && str_contains((string) $log[0]['DESCRIPTION'], 'scan'), 'the scan\'s error in the event log: ' . json_encode($log, JSON_UNESCAPED_UNICODE));
    same('ERROR', (string) $log[0]['SEVERITY']);
    check(str_contains(Option::get(MODULE_ID, 'last_error'), 'b_vitrinalab_vitrina_sent'), 'the last error kept for the settings page');
});

test('event handlers never abort the admin\'s save: a database error in one is logged, the save goes through', function (): void {
    $shop = new_shop();
    install_module($shop);
    $id = add_product($shop, 'Букет', 5000);
    $offer = add_offer($shop, $id, 'Букет большой', 9000, 1);
    StandIn::hit(); // a new request: nothing cached from the set-up
    StandIn::db()->queryExecute('DROP TABLE b_catalog_iblock'); // the SKU lookup fails
    $priceId = (int) \Bitrix\Catalog\PriceTable::getList(['select' => ['ID'], 'filter' => ['=PRODUCT_ID' => $offer]])->fetch()['ID'];
    CPrice::Update($priceId, ['PRICE' => 9500]);
    same(9500.0, (float) \Bitrix\Catalog\PriceTable::getById($priceId)->fetch()['PRICE'], 'the price was saved');
    check(event_log() !== [], 'the handler\'s error is in the event log');
});

test('the settings page shows the last error, the queue depth and the oldest pending row', function (): void {
    $shop = new_shop();
    install_module($shop);
    $id = add_product($shop, 'Букет', 5000);
    add_product($shop, 'Букет 2', 5000);
    \Vitrinalab\Vitrina\Log::error('HTTP 401: signature mismatch', $id);
    $server = start_server(BITRIX_ROOT . '/standin/router.php', ['STANDIN_ROOT' => $shop->root, 'VITRINA_STANDIN_DB' => $shop->db]);
    $page = (string) file_get_contents($server['url'] . '/bitrix/admin/settings.php?mid=vitrinalab.vitrina&lang=ru');
    check(str_contains($page, 'signature mismatch'), 'the last error');
    check(str_contains($page, 'Последняя ошибка'), 'labelled');
    check((bool) preg_match('/ждут отправки.*?<b>2<\/b>/su', $page), 'queue depth 2');
    check(str_contains($page, 'Дольше всех ждёт') && str_contains($page, 'товар ' . $id), 'the oldest pending row and its product');
    check(str_contains($page, 'Агент модуля не запускался'), 'the agent has never run: said so');
});

test('the settings page says whether the agent runs from cron', function (): void {
    $shop = new_shop();
    install_module($shop);
    same('NOT_RUNNING', \Vitrinalab\Vitrina\Cron::problem(time()), 'never ran');
    Agent::run(); // on a page hit (no BX_CRONTAB)
    same('NOT_CRON', \Vitrinalab\Vitrina\Cron::problem(time()));
    $server = start_server(BITRIX_ROOT . '/standin/router.php', ['STANDIN_ROOT' => $shop->root, 'VITRINA_STANDIN_DB' => $shop->db]);
    check(str_contains((string) file_get_contents($server['url'] . '/bitrix/admin/settings.php?mid=vitrinalab.vitrina&lang=ru'), 'не на cron'), 'said on the page');
    [$code, $out, $err] = run_command([PHP_BINARY, BITRIX_ROOT . '/standin/cron_events.php', '--minute-passed'], ['STANDIN_ROOT' => $shop->root, 'VITRINA_STANDIN_DB' => $shop->db]);
    same(0, $code, $out . $err);
    same(null, \Vitrinalab\Vitrina\Cron::problem(time()), 'from cron_events.php: fine');
    same('NOT_RUNNING', \Vitrinalab\Vitrina\Cron::problem(time() + 3600), 'silent for an hour: not running');
});

finish();
