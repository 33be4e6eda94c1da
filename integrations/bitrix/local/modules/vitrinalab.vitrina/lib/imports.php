<?php

declare(strict_types=1);

namespace Vitrinalab\Vitrina;

use Bitrix\Main\Config\Option;

/**
 * The 1C exchange window. While 1C imports files, the thousands of element saves are not queued
 * one by one; when the exchange ends ("what changed" compares stamps) they are found in one scan.
 *
 * The window opens at each file (OnBeforeCatalogImport1C) and closes at the file's success
 * (OnSuccessCatalogImport1C), at OnCompleteCatalogImport1C (mode=complete, when 1C sends it), or
 * by itself WINDOW_S after the last file started: an exchange that failed (no success event)
 * still ends with the scan, so nothing saved during it — admin edits included — is lost.
 */
final class Imports
{
    public const WINDOW_S = 3600;
    private const OPTION = 'import_started_at';

    public static function open(int $now): void
    {
        Option::set(Settings::MODULE_ID, self::OPTION, (string) $now);
    }

    /** A file (or the whole exchange) is done: close the window and scan for what changed. */
    public static function close(int $now): void
    {
        Option::delete(Settings::MODULE_ID, ['name' => self::OPTION]);
        Bulk::request(Bulk::CHANGED, $now);
    }

    public static function isOpen(int $now): bool
    {
        $started = (int) Option::get(Settings::MODULE_ID, self::OPTION, '0');

        return $started > 0 && $now - $started < self::WINDOW_S;
    }

    /** Run by the agent: a window left open by a failed exchange closes and catches up. */
    public static function closeAbandoned(int $now): void
    {
        $started = (int) Option::get(Settings::MODULE_ID, self::OPTION, '0');
        if ($started > 0 && $now - $started >= self::WINDOW_S) {
            Log::error('1C exchange started at ' . date('d.m.Y H:i', $started) . ' did not report success: sending what changed');
            self::close($now);
        }
    }
}
