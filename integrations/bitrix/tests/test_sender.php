<?php

/* The sender: envelope, signature, outcomes, backoff, Retry-After, give-up, ordering and the lease lock. */

declare(strict_types=1);

require __DIR__ . '/lib/site.php';

use Vitrina\Bitrix\Backoff;
use Vitrina\Bitrix\HttpResponse;
use Vitrina\Bitrix\Outbox;
use Vitrina\Bitrix\Sender;
use Vitrina\Bitrix\Signer;

/** @return array{0: Sender, 1: ScriptedTransport, 2: MapProducts, 3: Outbox} */
function sender(CDatabase $db, FrozenClock $clock, array $config = [], float $jitter = 0.999): array
{
    $http = new ScriptedTransport();
    $products = new MapProducts();
    $outbox = new Outbox($db);
    $config = config($config);
    $sender = new Sender($config, $outbox, $products, $http, $clock, new Backoff($config->retryBaseS, $config->retryCapS, fn (): float => $jitter));

    return [$sender, $http, $products, $outbox];
}

function enqueue(Outbox $outbox, FrozenClock $clock, string $type, int $productId): void
{
    $outbox->enqueue($type, $productId, $clock->now());
}

test('a row is posted in Vitrina\'s envelope, signed, and marked delivered with Vitrina\'s action', function (): void {
    $clock = new FrozenClock();
    $db = new_site($clock);
    [$sender, $http, $products, $outbox] = sender($db, $clock);
    $id = save_product($db, 'Букет', 4950);
    $products->products[$id] = ['id' => $id, 'title' => 'Букет «Нежность»', 'price' => '4 950 ₸', 'isAvailable' => true];
    $http->script = [ok('created'), ok('updated')];
    $clock->time += 5;
    $report = $sender->run();
    same(2, $report->delivered);
    $request = $http->requests[0];
    same('POST', $request['method']);
    same('http://vitrina.test/api/v1/webhooks/product-sync', $request['url']);
    $rows = outbox_rows($db);
    same([
        'event_type' => 'product.created',
        'product_data' => $products->products[$id],
        'event_id' => $rows[0]['event_id'],
        'sequence' => (int) $rows[0]['id'],
        'occurred_at' => gmdate('Y-m-d\TH:i:s\Z', $clock->time - 5),
    ], json_decode($request['body'], true));
    check(str_contains($request['body'], 'Букет «Нежность»'), 'UTF-8 sent as is, not \\u-escaped');
    same($rows[0]['event_id'], $request['headers']['webhook-id']);
    same((string) $clock->time, $request['headers']['webhook-timestamp']);
    same(Signer::sign(SECRET, $rows[0]['event_id'], $clock->time, $request['body']), $request['headers']['webhook-signature']);
    same('application/json', $request['headers']['Content-Type']);
    same(['delivered', 'delivered'], array_column($rows, 'status'));
    same(['created', 'updated'], array_column($rows, 'response_action'));
    same($rows[1]['event_id'], $http->envelopes()[1]['event_id']);
});

test('several secrets give several v1 signatures (rotation)', function (): void {
    $clock = new FrozenClock();
    $db = new_site($clock);
    $new = 'whsec_' . base64_encode(str_repeat('k', 32));
    [$sender, $http, , $outbox] = sender($db, $clock, ['secrets' => [SECRET, $new]]);
    enqueue($outbox, $clock, Outbox::UPDATED, 7);
    $sender->run();
    $r = $http->requests[0];
    same(
        Signer::sign(SECRET, $r['headers']['webhook-id'], $clock->time, $r['body']) . ' ' . Signer::sign($new, $r['headers']['webhook-id'], $clock->time, $r['body']),
        $r['headers']['webhook-signature'],
    );
});

test('the product is read at send time: the latest state goes out', function (): void {
    $clock = new FrozenClock();
    $db = new_site($clock);
    [$sender, $http, $products, $outbox] = sender($db, $clock);
    enqueue($outbox, $clock, Outbox::UPDATED, 7);
    $products->products[7] = ['id' => 7, 'title' => 'later title'];
    $sender->run();
    same('later title', $http->envelopes()[0]['product_data']['title']);
});

test('a delete sends only the id; a product gone by send time is sent as deleted', function (): void {
    $clock = new FrozenClock();
    $db = new_site($clock);
    [$sender, $http, $products, $outbox] = sender($db, $clock);
    enqueue($outbox, $clock, Outbox::DELETED, 7);
    enqueue($outbox, $clock, Outbox::UPDATED, 8);
    $products->products[8] = null;
    $sender->run();
    same(1, $products->calls, 'the delete did not read the product');
    same([['product.deleted', ['id' => 7]], ['product.deleted', ['id' => 8]]], array_map(fn ($e) => [$e['event_type'], $e['product_data']], $http->envelopes()));
});

test('Vitrina\'s duplicate and stale answers count as delivered', function (): void {
    $clock = new FrozenClock();
    $db = new_site($clock);
    [$sender, $http, , $outbox] = sender($db, $clock);
    enqueue($outbox, $clock, Outbox::UPDATED, 1);
    enqueue($outbox, $clock, Outbox::UPDATED, 2);
    $http->script = [ok('duplicate'), ok('stale')];
    same(2, $sender->run()->delivered);
    same(['duplicate', 'stale'], array_column(outbox_rows($db), 'response_action'));
});

test('5xx, 408, 429 and no answer are retried with exponential backoff, not before it is due', function (): void {
    $clock = new FrozenClock();
    $db = new_site($clock);
    [$sender, $http, , $outbox] = sender($db, $clock); // jitter 0.999: the delay is the ceiling - 1 at most
    enqueue($outbox, $clock, Outbox::UPDATED, 1);
    $start = $clock->time;
    $http->script = [new HttpResponse(500, 'boom'), new HttpResponse(408), new HttpResponse(429), new HttpResponse(0, '', [], 'Connection refused')];
    $nexts = [];
    for ($attempt = 1; $attempt <= 4; $attempt++) {
        same(1, $sender->run()->retried, "attempt {$attempt} retried");
        $row = outbox_rows($db)[0];
        same('pending', $row['status']);
        same($attempt, (int) $row['attempts']);
        $nexts[] = (int) $row['next_attempt_at'] - $clock->time;
        same(0, count($sender->run()->posted), 'nothing is sent before the row is due');
        $clock->time = (int) $row['next_attempt_at'];
    }
    same([9, 19, 39, 79], $nexts, 'delays 10, 20, 40, 80 s with jitter in the upper half');
    same('Connection refused', outbox_rows($db)[0]['last_error']);
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
    $clock = new FrozenClock();
    $db = new_site($clock);
    [$sender, $http, , $outbox] = sender($db, $clock);
    enqueue($outbox, $clock, Outbox::UPDATED, 1);
    $http->script = [
        new HttpResponse(503, 'maintenance', ['retry-after' => '120']),
        new HttpResponse(429, 'slow down', ['retry-after' => gmdate('D, d M Y H:i:s \G\M\T', $clock->time + 120 + 300)]),
        new HttpResponse(503, '', ['retry-after' => '1']),
    ];
    $sender->run();
    same($clock->time + 120, (int) outbox_rows($db)[0]['next_attempt_at'], 'waits 120 s instead of the 10 s backoff');
    $clock->time += 119;
    same([], $sender->run()->posted, 'not a second early');
    $clock->time += 1;
    $sender->run();
    same($clock->time + 300, (int) outbox_rows($db)[0]['next_attempt_at'], 'HTTP-date form');
    $clock->time += 300;
    $sender->run();
    same($clock->time + 39, (int) outbox_rows($db)[0]['next_attempt_at'], 'a Retry-After shorter than the backoff does not shorten it');
    same(null, Backoff::parseRetryAfter('soon', 0));
});

test('other 4xx answers fail the row for good, keeping the answer', function (): void {
    $clock = new FrozenClock();
    $db = new_site($clock);
    [$sender, $http, , $outbox] = sender($db, $clock);
    enqueue($outbox, $clock, Outbox::UPDATED, 1);
    enqueue($outbox, $clock, Outbox::UPDATED, 1);
    $http->script = [new HttpResponse(422, '{"detail":"price: not a number"}'), ok()];
    $report = $sender->run();
    same([1, 1], [$report->failed, $report->delivered], 'the later row of the product is not held up by a dead one');
    $failed = $outbox->list(Outbox::FAILED);
    same(1, count($failed));
    same(422, (int) $failed[0]['last_http_status']);
    same('HTTP 422: {"detail":"price: not a number"}', $failed[0]['last_error']);
    $clock->time += 100_000;
    same([], $sender->run()->posted, 'a failed row is never sent again by itself');
    same(1, $outbox->requeue([], $clock->now()), 'until someone requeues it');
    same(1, $sender->run()->delivered);
});

test('a row still failing about 3 days after its change is kept as failed and listed', function (): void {
    $clock = new FrozenClock();
    $db = new_site($clock);
    [$sender, $http, , $outbox] = sender($db, $clock);
    $http->default = new HttpResponse(503, 'down');
    enqueue($outbox, $clock, Outbox::UPDATED, 1);
    $changed = $clock->time;
    $runs = 0;
    while (outbox_rows($db)[0]['status'] === 'pending' && $runs++ < 1000) {
        $sender->run();
        $clock->time = max($clock->time, (int) outbox_rows($db)[0]['next_attempt_at']);
    }
    $row = outbox_rows($db)[0];
    same('failed', $row['status']);
    $gaveUpAfter = (int) $row['finished_at'] - $changed;
    check($gaveUpAfter >= 3 * 86400 && $gaveUpAfter < 3 * 86400 + 3600, "gave up after {$gaveUpAfter} s");
    check((int) $row['attempts'] > 70 && (int) $row['attempts'] < 90, "about 80 hourly-capped attempts, got {$row['attempts']}");
    check(str_starts_with($row['last_error'], 'gave up after'), $row['last_error']);
    same([(int) $row['id']], array_map('intval', array_column($outbox->list(Outbox::FAILED), 'id')));
    same(['pending' => 0, 'delivered' => 0, 'failed' => 1], $outbox->counts());
});

test('a product\'s later row waits while an earlier one is failing; other products go on', function (): void {
    $clock = new FrozenClock();
    $db = new_site($clock);
    [$sender, $http, , $outbox] = sender($db, $clock);
    enqueue($outbox, $clock, Outbox::CREATED, 1);  // id 1
    enqueue($outbox, $clock, Outbox::CREATED, 2);  // id 2
    enqueue($outbox, $clock, Outbox::UPDATED, 1);  // id 3
    $http->script = [new HttpResponse(503)];
    $report = $sender->run();
    same([1, 2], $report->posted, 'row 3 waits for row 1');
    $clock->time += 3600;
    $report = $sender->run();
    same([1, 3], $report->posted, 'then both go, in order, in one run');
    same([1, 2, 1, 3], array_column($http->envelopes(), 'sequence'));
});

test('the lease: a row held by another run is not sent (nor its product\'s later rows) until the lease runs out', function (): void {
    $clock = new FrozenClock();
    $db = new_site($clock);
    [$sender, $http, , $outbox] = sender($db, $clock);
    enqueue($outbox, $clock, Outbox::UPDATED, 1);
    enqueue($outbox, $clock, Outbox::UPDATED, 2);
    enqueue($outbox, $clock, Outbox::UPDATED, 1);
    check($outbox->claim(1, 'other-run', $clock->now(), 60), 'the other run claims row 1');
    check(!$outbox->claim(1, 'third-run', $clock->now(), 60), 'a claimed row cannot be claimed again');
    same([2], $sender->run()->posted);
    $clock->time += 61; // the other run died without finishing
    same([1, 3], $sender->run()->posted);
    // The dead run wakes up and reports: its token no longer holds the row, nothing is overwritten.
    $outbox->markFailed(1, 'other-run', $clock->now(), 500, 'late');
    same('delivered', $outbox->get(1)['status']);
});

test('shop API down: the row is retried with the reason', function (): void {
    $clock = new FrozenClock();
    $db = new_site($clock);
    [$sender, $http, $products, $outbox] = sender($db, $clock);
    enqueue($outbox, $clock, Outbox::UPDATED, 5);
    $products->products[5] = 'down';
    same(1, $sender->run()->retried);
    same([], $http->requests, 'nothing half-baked is posted');
    same('product fetch: shop API: HTTP 503', outbox_rows($db)[0]['last_error']);
});

test('delivered rows are purged after a week; failed ones stay', function (): void {
    $clock = new FrozenClock();
    $db = new_site($clock);
    [$sender, $http, , $outbox] = sender($db, $clock);
    enqueue($outbox, $clock, Outbox::UPDATED, 1);
    enqueue($outbox, $clock, Outbox::UPDATED, 2);
    $http->script = [ok(), new HttpResponse(400, 'bad')];
    $sender->run();
    $clock->time += 8 * 86400;
    $sender->run();
    same(['pending' => 0, 'delivered' => 0, 'failed' => 1], $outbox->counts());
});

test('a run stops at its time budget', function (): void {
    $clock = new FrozenClock();
    $db = new_site($clock);
    $outbox = new Outbox($db);
    foreach (range(1, 10) as $p) {
        enqueue($outbox, $clock, Outbox::UPDATED, $p);
    }
    $slow = new class ($clock) implements \Vitrina\Bitrix\HttpTransport {
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
    $config = config(['maxRunS' => 25]);
    $sender = new Sender($config, $outbox, new MapProducts(), $slow, $clock, new Backoff(10, 3600));
    same(3, count($sender->run()->posted));
});

test('a secret that is not whsec_/base64 is refused at start-up', function (): void {
    throws(InvalidArgumentException::class, fn () => config(['secrets' => ['whsec_not base64!']]));
});

finish();
