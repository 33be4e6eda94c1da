<?php

declare(strict_types=1);

namespace Vitrina\Bitrix;

/** Writes to Bitrix's log (AddMessage2Log, LOG_FILENAME) when there is one, else PHP's error_log. */
final class Log
{
    public static function error(string $message): void
    {
        $message = 'Vitrina: ' . $message;
        if (\function_exists('AddMessage2Log')) {
            AddMessage2Log($message, 'vitrina');
            return;
        }
        error_log($message);
    }
}
