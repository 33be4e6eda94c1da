<?php

declare(strict_types=1);

namespace Vitrinalab\Vitrina;

/** What one sender run did, for the agent's log, the CLI and tests. */
final class SendReport
{
    public int $delivered = 0;
    public int $retried = 0;
    public int $failed = 0;
    /** @var list<int> row ids in the order they were posted */
    public array $posted = [];
}

/**
 * Posts due outbox rows to Vitrina, oldest first, signed, at most `send_rate` per second.
 *
 * Outcomes: 2xx = delivered (Vitrina's "stale" excepted: failed, it was not applied); 408, 429, 5xx, no answer and an error reading the product = retry
 * with backoff (Retry-After honoured); other 4xx/3xx = failed with the answer kept. A row is
 * failed giveUpAfterS (3 days) after its change, or after max_attempts when the error is its own
 * (reading or encoding the product); a failed row no longer holds back the product's later rows.
 */
final class Sender
{
    private const MAX_ERROR_CHARS = 2000;

    private bool $retryLogged = false;

    public function __construct(
        private readonly Settings $settings,
        private readonly Outbox $outbox,
        private readonly ProductSource $products,
        private readonly HttpTransport $http,
        private readonly Clock $clock,
        private readonly Backoff $backoff,
    ) {
    }

    /** The sender as the agent builds it on a site. */
    public static function create(Settings $settings, ?Clock $clock = null): self
    {
        $http = new BitrixHttpTransport();
        $source = $settings->source === Settings::SOURCE_SHOP_API
            ? new ShopApiSource($http, $settings->shopApiUrl, $settings->shopApiToken, $settings->timeoutS)
            : new CatalogSource(new Catalog($settings));

        return new self($settings, new Outbox(), $source, $http, $clock ?? new SystemClock(), new Backoff($settings->retryBaseS, $settings->retryCapS));
    }

    public function run(): SendReport
    {
        $report = new SendReport();
        $this->retryLogged = false;
        $token = bin2hex(random_bytes(16));
        $deadline = $this->clock->now() + $this->settings->maxRunS;
        $interval = 1.0 / $this->settings->sendRate;
        $next = $this->clock->seconds();
        // In batches: delivering a product's row makes its next row due in the same run.
        while ($this->clock->now() < $deadline) {
            $progress = false;
            foreach ($this->outbox->due($this->clock->now(), $this->settings->batchSize) as $row) {
                if ($this->clock->now() >= $deadline) {
                    break 2;
                }
                if (!$this->outbox->claim((int) $row['ID'], $token, $this->clock->now(), $this->settings->leaseS())) {
                    continue; // another run holds it
                }
                // The rate limit: Vitrina indexes photos of every product it is told about.
                $this->clock->sleep($next - $this->clock->seconds());
                $next = max($next, $this->clock->seconds()) + $interval;
                $progress = true;
                $report->posted[] = (int) $row['ID'];
                $this->deliver($row, $token, $report);
            }
            if (!$progress) {
                break;
            }
        }
        $this->outbox->purgeDelivered($this->clock->now() - $this->settings->keepDeliveredS);

        return $report;
    }

    /**
     * One row, whatever happens: an error in this row (a database error, a bug, a name that is not
     * UTF-8) is this row's, retried with backoff and failed after max_attempts — the queue goes on.
     *
     * @param array<string, mixed> $row
     */
    private function deliver(array $row, string $token, SendReport $report): void
    {
        try {
            $this->attempt($row, $token, $report);
        } catch (ProductRefused $e) {
            $this->fail($row, $token, 0, $e->getMessage(), $report);
        } catch (\JsonException $e) {
            // The same data cannot be encoded next time either: failed now, with the reason.
            $this->fail($row, $token, 0, 'the product cannot be sent as JSON (' . $e->getMessage() . '): check its name and properties', $report);
        } catch (\Throwable $e) {
            $why = ($e instanceof ProductSourceUnavailable ? 'product read: ' : \get_class($e) . ': ') . $e->getMessage();
            try {
                $this->retryOrGiveUp($row, $token, 0, $why, null, $report, true);
            } catch (\Throwable $again) {
                Log::error("row {$row['ID']}: {$why}; and could not record it: " . $again->getMessage(), (int) $row['PRODUCT_ID']);
            }
        }
    }

    /** @param array<string, mixed> $row */
    private function attempt(array $row, string $token, SendReport $report): void
    {
        $id = (int) $row['ID'];
        [$eventType, $productData] = $this->payload((string) $row['EVENT_TYPE'], (int) $row['PRODUCT_ID']);
        $body = json_encode([
            'event_type' => $eventType,
            'product_data' => $productData,
            'event_id' => (string) $row['EVENT_ID'],
            'sequence' => $id,
            'occurred_at' => gmdate('Y-m-d\TH:i:s\Z', (int) $row['OCCURRED_AT']),
        ], JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR);
        $headers = ['Content-Type' => 'application/json'] + Signer::headers($this->settings->secrets, (string) $row['EVENT_ID'], $this->clock->now(), $body);
        $response = $this->http->request('POST', $this->settings->webhookUrl(), $headers, $body, $this->settings->timeoutS);
        $status = $response->status;
        $now = $this->clock->now();

        if ($status >= 200 && $status < 300) {
            $answer = json_decode($response->body, true);
            $action = \is_array($answer) && \is_string($answer['action'] ?? null) ? $answer['action'] : null;
            if ($action === 'stale') {
                // Vitrina holds a newer sequence of this product than this row: the change was
                // not applied. Rows of a product go in id order and ids only grow (Sequence), so
                // this is not normal: failed and shown, never counted as delivered.
                $this->fail($row, $token, $status, "Vitrina answered stale to sequence {$id}: it has a newer change of product {$row['PRODUCT_ID']}"
                    . ' and did not apply this one (the outbox ids restarted? reinstall the module so its ids start above the old ones)', $report);
                return;
            }
            $this->outbox->markDelivered($id, $token, $now, $status, $action);
            $this->remember((int) $row['PRODUCT_ID'], $eventType, $productData, $now);
            $report->delivered++;
            return;
        }
        if ($response->isNetworkError() || $status === 408 || $status === 429 || $status >= 500) {
            $why = $response->isNetworkError() ? $response->error : "HTTP {$status}: " . $response->body;
            $this->retryOrGiveUp($row, $token, $status, $why, Backoff::parseRetryAfter($response->header('Retry-After'), $now), $report);
            return;
        }
        // 3xx and the other 4xx: the same request cannot succeed later.
        $this->fail($row, $token, $status, "HTTP {$status}: " . $response->body, $report);
    }

    /** @param array<string, mixed> $row */
    private function fail(array $row, string $token, int $status, string $why, SendReport $report): void
    {
        $this->outbox->markFailed((int) $row['ID'], $token, $this->clock->now(), $status, self::clip($why));
        Log::error("row {$row['ID']} failed: " . self::clip($why), (int) $row['PRODUCT_ID']);
        $report->failed++;
    }

    /**
     * The product's state now, not at the time of the change: whatever order rows arrive in,
     * Vitrina ends with the latest state. A product gone since is sent as deleted.
     *
     * @return array{0: string, 1: array<string, mixed>}
     */
    private function payload(string $eventType, int $productId): array
    {
        $product = $eventType === Outbox::DELETED ? null : $this->products->fetch($productId);

        return $product === null ? [Outbox::DELETED, ['id' => $productId]] : [$eventType, $product];
    }

    /** Keep the stamp Vitrina accepted, so "send what changed" knows what it has. */
    private function remember(int $productId, string $eventType, array $productData, int $now): void
    {
        try {
            if ($eventType === Outbox::DELETED) {
                SentTable::delete($productId);
            } elseif (isset($productData['stamp'])) {
                $fields = ['STAMP' => (string) $productData['stamp'], 'SENT_AT' => $now];
                SentTable::getById($productId)->fetch() ? SentTable::update($productId, $fields) : SentTable::add(['PRODUCT_ID' => $productId] + $fields);
            }
        } catch (\Throwable $e) {
            Log::error("stamp of product {$productId}: " . $e->getMessage()); // only costs a resend later
        }
    }

    /**
     * Vitrina unreachable or busy: retried for giveUpAfterS (an outage may last). An error of the
     * row itself ($rowError): at most max_attempts tries, since it rarely heals by waiting.
     *
     * @param array<string, mixed> $row
     */
    private function retryOrGiveUp(array $row, string $token, int $status, string $why, ?int $retryAfter, SendReport $report, bool $rowError = false): void
    {
        $now = $this->clock->now();
        $id = (int) $row['ID'];
        $attempts = (int) $row['ATTEMPTS'] + 1;
        if ($now - (int) $row['OCCURRED_AT'] >= $this->settings->giveUpAfterS || ($rowError && $attempts >= $this->settings->maxAttempts)) {
            $this->fail($row, $token, $status, "gave up after {$attempts} attempts: {$why}", $report);
            return;
        }
        $this->outbox->scheduleRetry($id, $token, $now + $this->backoff->delay($attempts, $retryAfter), $status, self::clip($why));
        if ($attempts === 1 && !$this->retryLogged) {
            // One entry per run: an outage must not write a line per queued row into the event log.
            $this->retryLogged = true;
            Log::error("row {$id} will be retried: " . self::clip($why), (int) $row['PRODUCT_ID']);
        }
        $report->retried++;
    }

    private static function clip(string $text): string
    {
        if (\strlen($text) <= self::MAX_ERROR_CHARS) {
            return $text;
        }

        return (string) @iconv('UTF-8', 'UTF-8//IGNORE', substr($text, 0, self::MAX_ERROR_CHARS)) . '…';
    }
}
