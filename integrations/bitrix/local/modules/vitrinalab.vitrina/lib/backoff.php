<?php

declare(strict_types=1);

namespace Vitrinalab\Vitrina;

/**
 * Delay before the next attempt of one outbox row: exponential (base·2^(n-1), capped) with "equal
 * jitter" (a random delay in [d/2, d]) so rows failed in one outage do not return all at once.
 */
final class Backoff
{
    /** @var \Closure(): float */
    private \Closure $random;

    public function __construct(private readonly int $baseS, private readonly int $capS, ?\Closure $random = null)
    {
        $this->random = $random ?? static fn (): float => mt_rand() / (mt_getrandmax() + 1);
    }

    public function ceiling(int $attempt): int
    {
        return (int) min($this->capS, $this->baseS * (2 ** min(max($attempt, 1) - 1, 30)));
    }

    /** At least Retry-After when Vitrina sent one: it knows when it will be back. */
    public function delay(int $attempt, ?int $retryAfterS = null): int
    {
        $ceiling = $this->ceiling($attempt);
        $half = intdiv($ceiling, 2);
        $delay = $half + (int) floor(($ceiling - $half) * ($this->random)());
        if ($retryAfterS !== null) {
            $delay = max($delay, $retryAfterS);
        }

        return max(1, $delay);
    }

    /** Seconds from a Retry-After value (delta-seconds or an HTTP-date); null when absent or unreadable. */
    public static function parseRetryAfter(?string $value, int $now): ?int
    {
        $value = trim((string) $value);
        if ($value === '') {
            return null;
        }
        if (ctype_digit($value)) {
            return (int) $value;
        }
        $at = strtotime($value);

        return $at === false ? null : max(0, $at - $now);
    }
}
