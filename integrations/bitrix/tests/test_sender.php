<?php

/* The sender: envelope, signature, outcomes, backoff, Retry-After, give-up, ordering, lease, rate. */

declare(strict_types=1);

require __DIR__ . '/lib/site.php';

use Vitrinalab\Vitrina\Backoff;
use Vitrinalab\Vitrina\HttpResponse;
use Vitrinalab\Vitrina\Outbox;
use Vitrinalab\Vitrina\OutboxTable;
use Vitrinalab\Vitrina\ProductSource;
use Vitrinalab\Vitrina\ProductSourceUnavailable;
use Vitrinalab\Vitrina\Sender;
use Vitrinalab\Vitrina\SentTable;
use Vitrinalab\Vitrina\Settings;
use Vitrinalab\Vitrina\ShopApiSource;
use Vitrinalab\Vitrina\Signer;

/** Products as the catalog would give them; null = deleted; 'down' = unreadable now. */
final class MapProducts implements ProductSource
{
    /** @var array<int, array<string, mixed>|null|string> */
    public array $products = [];
    public int $calls = 0;

    public function fetch(int $productId): ?array
    {
        $this->calls++;
        $product = array_key_exists($productId, $this->products) ? $this->products[$productId]
            : ['id' => $productId, 'title' => "Букет {$productId}", 'price' => 4950, 'isAvailable' => true, 'stamp' => "s{$productId}"];
        if ($product === 'down') {
            throw new ProductSourceUnavailable('database: gone away');
        }

        return $product;
    }
}

function settings(array $overrides = []): Settings
{
    return new Settings(...$overrides + [
        'vitrinaUrl' => 'http://vitrina.test',
        'secrets' => [SECRET],
        'iblockIds' => [1],
        'priceTypeId' => RETAIL,
        'productUrlBase' => 'https://flowers.kz',
        'sendRate' => 1000.0,
    ]);
}

/** A fresh site with the module's tables; the clock frozen. */
function new_site(): FrozenClock
{
    $shop = new_shop();
    install_module($shop);

    return new FrozenClock();
}

/** @return array{0: Sender, 1: ScriptedTransport, 2: MapProducts, 3: Outbox} */
function sender(FrozenClock $clock, array $overrides = [], float $jitter = 0.999): array
{
    $http = new ScriptedTransport();
    $products = new MapProducts();
    $outbox = new Outbox();
    $settings = settings($overrides);
    $sender = new Sender($settings, $outbox, $products, $http, $clock, new Backoff($settings->retryBaseS, $settings->retryCapS, fn (): float => $jitter));

    return [$sender, $http, $products, $outbox];
}

function enqueue(Outbox $outbox, FrozenClock $clock, string $type, int $productId): void
{
    // Straight rows: the coalescing of enqueue() is tested in test_catalog.php.
    OutboxTable::add(['EVENT_ID' => Outbox::uuid4(), 'EVENT_TYPE' => $type, 'PRODUCT_ID' => $productId, 'OCCURRED_AT' => $clock->now(),
        'STATUS' => OutboxTable::PENDING, 'ATTEMPTS' => 0, 'NEXT_ATTEMPT_AT' => $clock->now()]);
}

test('a row is posted in Vitrina\'s envelope, signed, marked delivered, and its stamp remembered', function (): void {
    $clock = new_site();
    [$sender, $http, $products, $outbox] = sender($clock);
    enqueue($outbox, $clock, Outbox::CREATED, 7);
    $products->products[7] = ['id' => 7, 'title' => 'Букет «Нежность»', 'price' => 4950, 'isAvailable' => true, 'stamp' => 'abc'];
    $clock->time += 5;
    same(1, $sender->run()->delivered);
    $request = $http->requests[0];
    same(['POST', 'http://vitrina.test/api/v1/webhooks/product-sync'], [$request['method'], $request['url']]);
    $row = outbox_rows()[0];
    same([
        'event_type' => 'product.created',
        'product_data' => $products->products[7],
        'event_id' => $row['EVENT_ID'],
        'sequence' => (int) $row['ID'],
        'occurred_at' => gmdate('Y-m-d\TH:i:s\Z', $clock->time - 5),
    ], json_decode($request['body'], true));
    check(str_contains($request['body'], 'Букет «Нежность»'), 'UTF-8 sent as is');
    same($row['EVENT_ID'], $request['headers']['webhook-id']);
    same(Signer::sign(SECRET, $row['EVENT_ID'], $clock->time, $request['body']), $request['headers']['webhook-signature']);
    same(['delivered', 'updated'], [$row['STATUS'], $row['RESPONSE_ACTION']]);
    same('abc', SentTable::getById(7)->fetch()['STAMP']);
    // A second delivery of the product updates its stamp in place.
    enqueue($outbox, $clock, Outbox::UPDATED, 7);
    $products->products[7]['stamp'] = 'def';
    same(1, $sender->run()->delivered);
    same([['PRODUCT_ID' => 7, 'STAMP' => 'def']], array_map(static fn (array $r): array => ['PRODUCT_ID' => (int) $r['PRODUCT_ID'], 'STAMP' => $r['STAMP']], SentTable::getList()->fetchAll()));
});

test('several secrets give several v1 signatures (rotation)', function (): void {
    $clock = new_site();
        $new = 'whsec_' . base64_encode(str_repeat('k', 32));
    [$sender, $http, , $outbox] = sender($clock, ['secrets' => [SECRET, $new]]);
    enqueue($outbox, $clock, Outbox::UPDATED, 7);
    $sender->run();
    $r = $http->requests[0];
    same(
        Signer::sign(SECRET, $r['headers']['webhook-id'], $clock->time, $r['body']) . ' ' . Signer::sign($new, $r['headers']['webhook-id'], $clock->time, $r['body']),
        $r['headers']['webhook-signature'],
    );
});

test('the product is read at send time: the latest state goes out', function (): void {
    $clock = new_site();
        [$sender, $http, $products, $outbox] = sender($clock);
    enqueue($outbox, $clock, Outbox::UPDATED, 7);
    $products->products[7] = ['id' => 7, 'title' => 'later title'];
    $sender->run();
    same('later title', $http->envelopes()[0]['product_data']['title']);
});

test('a delete sends only the id; a product gone by send time is sent as deleted', function (): void {
    $clock = new_site();
        [$sender, $http, $products, $outbox] = sender($clock);
    enqueue($outbox, $clock, Outbox::DELETED, 7);
    enqueue($outbox, $clock, Outbox::UPDATED, 8);
    $products->products[8] = null;
    $sender->run();
    same(1, $products->calls, 'the delete did not read the product');
    same([['product.deleted', ['id' => 7]], ['product.deleted', ['id' => 8]]], array_map(fn ($e) => [$e['event_type'], $e['product_data']], $http->envelopes()));
});

test('Vitrina\'s duplicate answer counts as delivered; stale does not: failed, logged, its stamp not kept', function (): void {
    $clock = new_site();
    [$sender, $http, , $outbox] = sender($clock);
    enqueue($outbox, $clock, Outbox::UPDATED, 1);
    enqueue($outbox, $clock, Outbox::UPDATED, 2);
    $http->script = [ok('duplicate'), ok('stale')];
    $report = $sender->run();
    same([1, 1], [$report->delivered, $report->failed]);
    same(['delivered', 'failed'], array_column(outbox_rows(), 'STATUS'));
    check(str_contains((string) outbox_rows()[1]['LAST_ERROR'], 'stale'), 'the reason is kept: ' . outbox_rows()[1]['LAST_ERROR']);
    same(['1'], array_map('strval', array_column(SentTable::getList(['select' => ['PRODUCT_ID']])->fetchAll(), 'PRODUCT_ID')), 'only the applied one is remembered');
    $log = StandIn::db()->query("SELECT ITEM_ID, DESCRIPTION FROM b_event_log WHERE MODULE_ID = 'vitrinalab.vitrina'")->fetchAll();
    same('2', (string) $log[0]['ITEM_ID'], 'in the event log, under the product');
});

test('5xx, 408, 429 and no answer are retried with exponential backoff, not before it is due', function (): void {
    $clock = new_site();
        [$sender, $http, , $outbox] = sender($clock); // jitter 0.999: the delay is the ceiling - 1 at most
    enqueue($outbox, $clock, Outbox::UPDATED, 1);
    $start = $clock->time;
    $http->script = [new HttpResponse(500, 'boom'), new HttpResponse(408), new HttpResponse(429), new HttpResponse(0, '', [], 'Connection refused')];
    $nexts = [];
    for ($attempt = 1; $attempt <= 4; $attempt++) {
        same(1, $sender->run()->retried, "attempt {$attempt} retried");
        $row = outbox_rows()[0];
        same('pending', $row['STATUS']);
        same($attempt, (int) $row['ATTEMPTS']);
        $nexts[] = (int) $row['NEXT_ATTEMPT_AT'] - $clock->time;
        same(0, count($sender->run()->posted), 'nothing is sent before the row is due');
        $clock->time = (int) $row['NEXT_ATTEMPT_AT'];
    }
    same([9, 19, 39, 79], $nexts, 'delays 10, 20, 40, 80 s with jitter in the upper half');
    same('Connection refused', outbox_rows()[0]['LAST_ERROR']);
    same(4, count($http->requests));
    check($clock->time > $start, 'time moved');
});

test('backoff: ceilings double up to the cap; jitter stays in the upper half', function (): void {
    $low = new Backoff(10, 3600, fn (): float => 0.0);
    $high = new Backoff(10, 3600, fn (): float => 0.999999);
    same([10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600], array_map([$low, 'ceiling'], range(1, 11)));
    foreach (range(1, 12) as $n) {
        check($low->delay($n) >= intdiv($low->ceiling($n), 2) && $high->delay($n) <= $high->ceiling($n), "attempt {$n} within [d/2, d]");
    }
    same(5, $low->delay(1));
    same(1800, $low->delay(40));
    $random = new Backoff(10, 3600);
    $seen = array_unique(array_map(fn () => $random->delay(6), range(1, 50)));
    check(count($seen) > 5, 'real jitter spreads the delays');
});

test('Retry-After (seconds or HTTP date) is honoured', function (): void {
    $clock = new_site();
        [$sender, $http, , $outbox] = sender($clock);
    enqueue($outbox, $clock, Outbox::UPDATED, 1);
    $http->script = [
        new HttpResponse(503, 'maintenance', ['retry-after' => '120']),
        new HttpResponse(429, 'slow down', ['retry-after' => gmdate('D, d M Y H:i:s \G\M\T', $clock->time + 120 + 300)]),
        new HttpResponse(503, '', ['retry-after' => '1']),
    ];
    $sender->run();
    same($clock->time + 120, (int) outbox_rows()[0]['NEXT_ATTEMPT_AT'], 'waits 120 s instead of the 10 s backoff');
    $clock->time += 119;
    same([], $sender->run()->posted, 'not a second early');
    $clock->time += 1;
    $sender->run();
    same($clock->time + 300, (int) outbox_rows()[0]['NEXT_ATTEMPT_AT'], 'HTTP-date form');
    $clock->time += 300;
    $sender->run();
    same($clock->time + 39, (int) outbox_rows()[0]['NEXT_ATTEMPT_AT'], 'a Retry-After shorter than the backoff does not shorten it');
    same(null, Backoff::parseRetryAfter('soon', 0));
});

test('other 4xx answers fail the row for good, keeping the answer', function (): void {
    $clock = new_site();
        [$sender, $http, , $outbox] = sender($clock);
    enqueue($outbox, $clock, Outbox::UPDATED, 1);
    enqueue($outbox, $clock, Outbox::UPDATED, 1);
    $http->script = [new HttpResponse(422, '{"detail":"price: not a number"}'), ok()];
    $report = $sender->run();
    same([1, 1], [$report->failed, $report->delivered], 'the later row of the product is not held up by a dead one');
    $failed = $outbox->list(OutboxTable::FAILED);
    same(1, count($failed));
    same(422, (int) $failed[0]['LAST_HTTP_STATUS']);
    same('HTTP 422: {"detail":"price: not a number"}', $failed[0]['LAST_ERROR']);
    $clock->time += 100_000;
    same([], $sender->run()->posted, 'a failed row is never sent again by itself');
    same(1, $outbox->requeue([], $clock->now()), 'until someone requeues it');
    same(1, $sender->run()->delivered);
});

test('a row still failing about 3 days after its change is kept as failed and listed', function (): void {
    $clock = new_site();
        [$sender, $http, , $outbox] = sender($clock);
    $http->default = new HttpResponse(503, 'down');
    enqueue($outbox, $clock, Outbox::UPDATED, 1);
    $changed = $clock->time;
    $runs = 0;
    while (outbox_rows()[0]['STATUS'] === 'pending' && $runs++ < 1000) {
        $sender->run();
        $clock->time = max($clock->time, (int) outbox_rows()[0]['NEXT_ATTEMPT_AT']);
    }
    $row = outbox_rows()[0];
    same('failed', $row['STATUS']);
    $gaveUpAfter = (int) $row['FINISHED_AT'] - $changed;
    check($gaveUpAfter >= 3 * 86400 && $gaveUpAfter < 3 * 86400 + 3600, "gave up after {$gaveUpAfter} s");
    check((int) $row['ATTEMPTS'] > 70 && (int) $row['ATTEMPTS'] < 90, "about 80 hourly-capped attempts, got {$row['ATTEMPTS']}");
    check(str_starts_with($row['LAST_ERROR'], 'gave up after'), $row['LAST_ERROR']);
    same([(int) $row['ID']], array_map('intval', array_column($outbox->list(OutboxTable::FAILED), 'ID')));
    same(['pending' => 0, 'delivered' => 0, 'failed' => 1], $outbox->counts());
});

test('a product\'s later row waits while an earlier one is failing; other products go on', function (): void {
    $clock = new_site();
        [$sender, $http, , $outbox] = sender($clock);
    enqueue($outbox, $clock, Outbox::CREATED, 1);  // row 1
    enqueue($outbox, $clock, Outbox::CREATED, 2);  // row 2
    enqueue($outbox, $clock, Outbox::UPDATED, 1);  // row 3
    [$r1, $r2, $r3] = array_map('intval', array_column(outbox_rows(), 'ID'));
    $http->script = [new HttpResponse(503)];
    $report = $sender->run();
    same([$r1, $r2], $report->posted, 'row 3 waits for row 1');
    $clock->time += 3600;
    $report = $sender->run();
    same([$r1, $r3], $report->posted, 'then both go, in order, in one run');
    same([$r1, $r2, $r1, $r3], array_column($http->envelopes(), 'sequence'));
});

test('the lease: a row held by another run is not sent (nor its product\'s later rows) until the lease runs out', function (): void {
    $clock = new_site();
        [$sender, $http, , $outbox] = sender($clock);
    enqueue($outbox, $clock, Outbox::UPDATED, 1);
    enqueue($outbox, $clock, Outbox::UPDATED, 2);
    enqueue($outbox, $clock, Outbox::UPDATED, 1);
    [$r1, $r2, $r3] = array_map('intval', array_column(outbox_rows(), 'ID'));
    check($outbox->claim($r1, 'other-run', $clock->now(), 60), 'the other run claims row 1');
    check(!$outbox->claim($r1, 'third-run', $clock->now(), 60), 'a claimed row cannot be claimed again');
    same([$r2], $sender->run()->posted);
    $clock->time += 61; // the other run died without finishing
    same([$r1, $r3], $sender->run()->posted);
    // The dead run wakes up and reports: its token no longer holds the row, nothing is overwritten.
    $outbox->markFailed($r1, 'other-run', $clock->now(), 500, 'late');
    same('delivered', OutboxTable::getById($r1)->fetch()['STATUS']);
});

test('the catalog unreadable: the row is retried with the reason', function (): void {
    $clock = new_site();
        [$sender, $http, $products, $outbox] = sender($clock);
    enqueue($outbox, $clock, Outbox::UPDATED, 5);
    $products->products[5] = 'down';
    same(1, $sender->run()->retried);
    same([], $http->requests, 'nothing half-baked is posted');
    same('product read: database: gone away', outbox_rows()[0]['LAST_ERROR']);
});

test('delivered rows are purged after a week; failed ones stay', function (): void {
    $clock = new_site();
        [$sender, $http, , $outbox] = sender($clock);
    enqueue($outbox, $clock, Outbox::UPDATED, 1);
    enqueue($outbox, $clock, Outbox::UPDATED, 2);
    $http->script = [ok(), new HttpResponse(400, 'bad')];
    $sender->run();
    $clock->time += 8 * 86400;
    $sender->run();
    same(['pending' => 0, 'delivered' => 0, 'failed' => 1], $outbox->counts());
});

test('a run stops at its time budget', function (): void {
    $clock = new_site();
        $outbox = new Outbox();
    foreach (range(1, 10) as $p) {
        enqueue($outbox, $clock, Outbox::UPDATED, $p);
    }
    $slow = new class ($clock) implements \Vitrinalab\Vitrina\HttpTransport {
        public int $calls = 0;
        public function __construct(private FrozenClock $clock)
        {
        }
        public function request(string $method, string $url, array $headers, ?string $body, float $timeoutS): HttpResponse
        {
            $this->calls++;
            $this->clock->time += 10; // each post takes 10 s
            return ok();
        }
    };
    $sender = new Sender(settings(['maxRunS' => 25]), $outbox, new MapProducts(), $slow, $clock, new Backoff(10, 3600));
    same(3, count($sender->run()->posted));
});

test('a secret that is not whsec_/base64 is a settings problem, named', function (): void {
    same(['secret' => 'SECRET_INVALID'], settings(['secrets' => ['whsec_not base64!']])->problems());
    same(['vitrina_url' => 'URL'], settings(['vitrinaUrl' => 'vitrina.test'])->problems());
});

test('the rate limit spaces posts 1/send_rate apart', function (): void {
    $clock = new_site();
    [$sender, , , $outbox] = sender($clock, ['sendRate' => 4.0]);
    foreach (range(1, 5) as $p) {
        enqueue($outbox, $clock, Outbox::UPDATED, $p);
    }
    same(5, $sender->run()->delivered);
    same(5, count($clock->slept));
    same([0.0, 0.25, 0.25, 0.25, 0.25], $clock->slept, 'the first at once, then 1/4 s apart');
});

test('the shop\'s own REST API source sends its answer as is; 404 is a delete, 5xx a retry', function (): void {
    $http = new ScriptedTransport();
    $source = new ShopApiSource($http, 'http://shop.test', 'tok', 5.0);
    $http->script = [new HttpResponse(200, '{"success": true, "data": {"id": 5, "title": "Букет", "price": "4 950 ₸"}}'), new HttpResponse(404), new HttpResponse(200, '{"success": false}'), new HttpResponse(503)];
    same(['id' => 5, 'title' => 'Букет', 'price' => '4 950 ₸'], $source->fetch(5));
    same('http://shop.test/api/v2/products/detail?id=5', $http->requests[0]['url']);
    same('Bearer tok', $http->requests[0]['headers']['Authorization']);
    same(null, $source->fetch(6));
    same(null, $source->fetch(7));
    throws(ProductSourceUnavailable::class, fn () => $source->fetch(8));
});

finish();
