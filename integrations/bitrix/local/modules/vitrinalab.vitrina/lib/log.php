<?php

declare(strict_types=1);

namespace Vitrinalab\Vitrina;

/** Writes to Bitrix's log (AddMessage2Log → LOG_FILENAME when the site defines one). */
final class Log
{
    public static function error(string $message): void
    {
        if (\function_exists('AddMessage2Log')) {
            AddMessage2Log('Vitrina: ' . $message, Settings::MODULE_ID);
            return;
        }
        error_log('Vitrina: ' . $message);
    }
}
