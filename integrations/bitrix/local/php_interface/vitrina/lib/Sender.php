<?php

declare(strict_types=1);

namespace Vitrina\Bitrix;

/** What one sender run did, for logs and tests. */
final class SendReport
{
    public int $delivered = 0;
    public int $retried = 0;
    public int $failed = 0;
    /** @var list<int> ids in the order they were posted */
    public array $posted = [];
}

/**
 * Posts due outbox rows to Vitrina, oldest first, signed, one attempt per row per run.
 *
 * Outcome per answer: 2xx (including Vitrina's "duplicate" and "stale") = delivered;
 * 408, 429, 5xx and no answer = retry with backoff (Retry-After honoured); any other 4xx or 3xx =
 * permanent failure, kept with the response body. A row still failing after giveUpAfterS (3 days)
 * from its change is kept as `failed`.
 */
final class Sender
{
    private const MAX_ERROR_CHARS = 2000;

    public function __construct(
        private readonly Config $config,
        private readonly Outbox $outbox,
        private readonly ProductSource $products,
        private readonly HttpTransport $http,
        private readonly Clock $clock,
        private readonly Backoff $backoff,
    ) {
    }

    /** The sender as the agent builds it on a real site. */
    public static function create(Config $config, object $db): self
    {
        $http = new StreamTransport();

        return new self(
            $config,
            new Outbox($db, $config->table),
            new ShopApiProductSource($http, $config->shopApiUrl, $config->shopApiToken, $config->timeoutS),
            $http,
            new SystemClock(),
            new Backoff($config->retryBaseS, $config->retryCapS),
        );
    }

    public function run(): SendReport
    {
        $report = new SendReport();
        $token = bin2hex(random_bytes(16));
        $deadline = $this->clock->now() + $this->config->maxRunS;

        // Batches, because delivering a product's row makes its next row due in the same run.
        while ($this->clock->now() < $deadline) {
            $rows = $this->outbox->due($this->clock->now(), $this->config->batchSize);
            $progress = false;
            foreach ($rows as $row) {
                if ($this->clock->now() >= $deadline) {
                    break 2;
                }
                $id = (int) $row['id'];
                if (!$this->outbox->claim($id, $token, $this->clock->now(), $this->config->leaseS())) {
                    continue; // another run holds it
                }
                $progress = true;
                $report->posted[] = $id;
                $this->deliver($row, $token, $report);
            }
            if (!$progress) {
                break;
            }
        }
        $this->outbox->purgeDelivered($this->clock->now() - $this->config->keepDeliveredS);

        return $report;
    }

    /** @param array<string, mixed> $row */
    private function deliver(array $row, string $token, SendReport $report): void
    {
        $id = (int) $row['id'];
        $productId = (int) $row['product_id'];
        $eventType = (string) $row['event_type'];

        try {
            [$eventType, $productData] = $this->payload($eventType, $productId);
        } catch (ProductSourceUnavailable $e) {
            $this->retryOrGiveUp($row, $token, 0, 'product fetch: ' . $e->getMessage(), null, $report);
            return;
        }

        $envelope = [
            'event_type' => $eventType,
            'product_data' => $productData,
            'event_id' => (string) $row['event_id'],
            'sequence' => $id,
            'occurred_at' => gmdate('Y-m-d\TH:i:s\Z', (int) $row['occurred_at']),
        ];
        $body = json_encode($envelope, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR);
        $headers = ['Content-Type' => 'application/json']
            + Signer::headers($this->config->secrets, (string) $row['event_id'], $this->clock->now(), $body);

        $response = $this->http->request('POST', $this->config->webhookUrl(), $headers, $body, $this->config->timeoutS);
        $status = $response->status;
        $now = $this->clock->now();

        if ($status >= 200 && $status < 300) {
            $answer = json_decode($response->body, true);
            $action = \is_array($answer) && \is_string($answer['action'] ?? null) ? $answer['action'] : null;
            $this->outbox->markDelivered($id, $token, $now, $status, $action);
            $report->delivered++;
            return;
        }
        if ($response->isNetworkError() || $status === 408 || $status === 429 || $status >= 500) {
            $why = $response->isNetworkError() ? $response->error : "HTTP {$status}: " . $response->body;
            $retryAfter = Backoff::parseRetryAfter($response->header('Retry-After'), $now);
            $this->retryOrGiveUp($row, $token, $status, $why, $retryAfter, $report);
            return;
        }
        // 3xx and the other 4xx: sending the same request again cannot succeed.
        $this->outbox->markFailed($id, $token, $now, $status, self::clip("HTTP {$status}: " . $response->body));
        $report->failed++;
    }

    /**
     * The event to send, from the product's state now (not at the time of the change): whatever
     * order rows arrive in, Vitrina ends with the latest state.
     *
     * @return array{0: string, 1: array<string, mixed>}
     */
    private function payload(string $eventType, int $productId): array
    {
        if ($eventType === Outbox::DELETED) {
            return [$eventType, ['id' => $productId]];
        }
        $product = $this->products->fetch($productId);
        if ($product === null) {
            // Gone since the change was recorded: its latest state is "deleted".
            return [Outbox::DELETED, ['id' => $productId]];
        }

        return [$eventType, $product];
    }

    /** @param array<string, mixed> $row */
    private function retryOrGiveUp(array $row, string $token, int $status, string $why, ?int $retryAfter, SendReport $report): void
    {
        $now = $this->clock->now();
        $id = (int) $row['id'];
        if ($now - (int) $row['occurred_at'] >= $this->config->giveUpAfterS) {
            $this->outbox->markFailed($id, $token, $now, $status, self::clip('gave up after ' . ((int) $row['attempts'] + 1) . " attempts: {$why}"));
            $report->failed++;
            return;
        }
        $delay = $this->backoff->delay((int) $row['attempts'] + 1, $retryAfter);
        $this->outbox->scheduleRetry($id, $token, $now + $delay, $status, self::clip($why));
        $report->retried++;
    }

    private static function clip(string $text): string
    {
        if (\strlen($text) <= self::MAX_ERROR_CHARS) {
            return $text;
        }
        // Byte cut, then drop a split UTF-8 character (iconv is always there; mbstring may not be).
        return (string) @iconv('UTF-8', 'UTF-8//IGNORE', substr($text, 0, self::MAX_ERROR_CHARS)) . '…';
    }
}
