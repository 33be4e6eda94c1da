<?php

declare(strict_types=1);

namespace Vitrinalab\Vitrina;

use Bitrix\Main\Loader;

/**
 * The module's one agent (every minute; on cron on a production site): a batch of a running
 * "send everything / what changed", then the sender. Each phase catches its own errors, so a
 * failing scan never stops the sending, and the agent always returns its own call so Bitrix
 * keeps it scheduled.
 */
final class Agent
{
    public const CALL = '\Vitrinalab\Vitrina\Agent::run();';
    public const INTERVAL_S = 60;

    public static function run(): string
    {
        try {
            Cron::noteAgentRun();
            if (!Loader::includeModule('iblock') || !Loader::includeModule('catalog')) {
                return self::CALL;
            }
            $settings = Settings::load();
            if ($settings->problems() !== []) {
                return self::CALL; // not configured yet: nothing to send to
            }
        } catch (\Throwable $e) {
            Log::error('agent: ' . $e->getMessage());
            return self::CALL;
        }
        self::phase('scan', static function () use ($settings): void {
            Imports::closeAbandoned(time());
            if (Bulk::isRunning()) {
                Bulk::step($settings, new Catalog($settings), new Outbox(), time());
            }
        });
        self::phase('send', static function () use ($settings): void {
            Sender::create($settings)->run();
        });
        self::phase('leads', static fn () => LeadTable::forgetOld(time()));

        return self::CALL;
    }

    private static function phase(string $name, \Closure $body): void
    {
        try {
            $body();
        } catch (\Throwable $e) {
            Log::error("agent ({$name}): " . \get_class($e) . ': ' . $e->getMessage());
        }
    }
}
