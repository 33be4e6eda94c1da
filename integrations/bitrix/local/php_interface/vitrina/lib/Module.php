<?php

declare(strict_types=1);

namespace Vitrina\Bitrix;

/**
 * Wiring for a Bitrix site: handlers on every hit, the agent, install.
 *
 * The Bitrix globals ($DB, AddEventHandler, CAgent) are touched only here and in EventHandlers.
 */
final class Module
{
    public const AGENT = '\Vitrina\Bitrix\Module::agent();';

    /** Called from init.php on every hit: cheap, registers handlers only. */
    public static function boot(): void
    {
        try {
            $config = Config::fromConstants();
        } catch (\Throwable $e) {
            Log::error('not started: ' . $e->getMessage());
            return;
        }
        $table = $config->table;
        (new EventHandlers(
            $config->catalogIblockId,
            static fn (): Outbox => new Outbox($GLOBALS['DB'], $table),
        ))->register();
    }

    /**
     * The Bitrix agent. Returns its own call so Bitrix keeps it scheduled, even after an error.
     */
    public static function agent(): string
    {
        try {
            Sender::create(Config::fromConstants(), $GLOBALS['DB'])->run();
        } catch (\Throwable $e) {
            Log::error('sender: ' . $e->getMessage());
        }

        return self::AGENT;
    }

    /** Create the outbox table and the agent (idempotent). Run once: cli/outbox.php install. */
    public static function install(int $intervalS = 60): void
    {
        $config = Config::fromConstants();
        (new Outbox($GLOBALS['DB'], $config->table))->install();
        $existing = \CAgent::GetList([], ['NAME' => self::AGENT])->Fetch();
        if (!$existing) {
            // Period "N": the next run is counted from the end of this one, so runs never pile up.
            \CAgent::AddAgent(self::AGENT, '', 'N', $intervalS);
        }
    }
}
