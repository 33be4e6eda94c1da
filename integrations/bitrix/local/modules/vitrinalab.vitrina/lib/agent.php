<?php

declare(strict_types=1);

namespace Vitrinalab\Vitrina;

use Bitrix\Main\Loader;

/**
 * The module's one agent (every minute; on cron on a production site): a batch of a running
 * "send everything / what changed", then the sender. It returns its own call so Bitrix keeps it
 * scheduled, even after an error.
 */
final class Agent
{
    public const CALL = '\Vitrinalab\Vitrina\Agent::run();';
    public const INTERVAL_S = 60;

    public static function run(): string
    {
        try {
            if (!Loader::includeModule('iblock') || !Loader::includeModule('catalog')) {
                return self::CALL;
            }
            $settings = Settings::load();
            if ($settings->problems() !== []) {
                return self::CALL; // not configured yet: nothing to send to
            }
            if (Bulk::isRunning()) {
                Bulk::step($settings, new Catalog($settings), new Outbox(), time());
            }
            Sender::create($settings)->run();
        } catch (\Throwable $e) {
            Log::error('agent: ' . $e->getMessage());
        }

        return self::CALL;
    }
}
