<?php

declare(strict_types=1);

namespace Vitrinalab\Vitrina;

use Bitrix\Main\Config\Option;

/**
 * Errors where an admin sees them: Bitrix's event log («Журнал событий», CEventLog::Add) and the
 * module's settings page (the last error, kept in options). AddMessage2Log is not used: it writes
 * only when the site defines LOG_FILENAME, which production sites rarely do.
 */
final class Log
{
    public const AUDIT_TYPE = 'VITRINA_SEND_ERROR';
    private const MAX_CHARS = 2000;

    /** Never throws: logging an error must not become the next error. */
    public static function error(string $message, ?int $productId = null): void
    {
        $message = mb_strcut($message, 0, self::MAX_CHARS, 'UTF-8');
        try {
            if (class_exists(\CEventLog::class)) {
                \CEventLog::Add([
                    'SEVERITY' => 'ERROR',
                    'AUDIT_TYPE_ID' => self::AUDIT_TYPE,
                    'MODULE_ID' => Settings::MODULE_ID,
                    'ITEM_ID' => $productId !== null ? (string) $productId : '',
                    'DESCRIPTION' => $message,
                ]);
            }
            Option::set(Settings::MODULE_ID, 'last_error', $message);
            Option::set(Settings::MODULE_ID, 'last_error_at', (string) time());
        } catch (\Throwable $e) {
            error_log('Vitrina: ' . $message . ' (and the event log failed: ' . $e->getMessage() . ')');
        }
    }

    /** @return array{0: string, 1: int}|null the last error and when (unix time) */
    public static function last(): ?array
    {
        $message = Option::get(Settings::MODULE_ID, 'last_error', '');

        return $message === '' ? null : [$message, (int) Option::get(Settings::MODULE_ID, 'last_error_at', '0')];
    }
}
