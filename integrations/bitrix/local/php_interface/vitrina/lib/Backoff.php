<?php

declare(strict_types=1);

namespace Vitrina\Bitrix;

/**
 * Delay before the next attempt of one outbox row.
 *
 * Exponential (base·2^(n-1), capped) with "equal jitter": a random delay in [d/2, d]. The jitter
 * spreads retries of many rows after an outage so they don't hit Vitrina all at once; keeping the
 * lower half fixed means a row never retries sooner than half the schedule.
 */
final class Backoff
{
    /** @var \Closure(): float random number in [0, 1) */
    private \Closure $random;

    public function __construct(
        private readonly int $baseS,
        private readonly int $capS,
        ?\Closure $random = null,
    ) {
        $this->random = $random ?? static fn (): float => mt_rand() / (mt_getrandmax() + 1);
    }

    /** The un-jittered delay after the n-th failed attempt (n ≥ 1). */
    public function ceiling(int $attempt): int
    {
        $exp = min(max($attempt, 1) - 1, 30); // 2^30 s is far past any cap; avoids float overflow
        return (int) min($this->capS, $this->baseS * (2 ** $exp));
    }

    /**
     * Delay after the n-th failed attempt; at least Retry-After when the server sent one.
     */
    public function delay(int $attempt, ?int $retryAfterS = null): int
    {
        $ceiling = $this->ceiling($attempt);
        $half = intdiv($ceiling, 2);
        $delay = $half + (int) floor(($ceiling - $half) * ($this->random)());
        if ($retryAfterS !== null) {
            // The server knows when it will be back: never come sooner than it asked.
            $delay = max($delay, $retryAfterS);
        }

        return max(1, $delay);
    }

    /**
     * Seconds from a Retry-After value (delta-seconds or an HTTP-date), null when absent or unreadable.
     */
    public static function parseRetryAfter(?string $value, int $now): ?int
    {
        if ($value === null || trim($value) === '') {
            return null;
        }
        $value = trim($value);
        if (ctype_digit($value)) {
            return (int) $value;
        }
        $at = strtotime($value);

        return $at === false ? null : max(0, $at - $now);
    }
}
