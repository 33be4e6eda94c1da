<?php

declare(strict_types=1);

namespace Vitrinalab\Vitrina;

/** Unix time, injectable so tests move through three days of retries in a second. */
interface Clock
{
    public function now(): int;

    /** Seconds with a fraction, for spacing posts (the rate limit). */
    public function seconds(): float;

    public function sleep(float $seconds): void;
}

final class SystemClock implements Clock
{
    public function now(): int
    {
        return time();
    }

    public function seconds(): float
    {
        return microtime(true);
    }

    public function sleep(float $seconds): void
    {
        if ($seconds > 0) {
            usleep((int) ($seconds * 1_000_000));
        }
    }
}
