<?php

declare(strict_types=1);

namespace Vitrina\Bitrix;

/** Unix time, injectable so tests can move through three days of retries in a second. */
interface Clock
{
    public function now(): int;
}

final class SystemClock implements Clock
{
    public function now(): int
    {
        return time();
    }
}
