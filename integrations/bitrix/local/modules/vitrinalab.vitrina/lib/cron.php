<?php

declare(strict_types=1);

namespace Vitrinalab\Vitrina;

use Bitrix\Main\Config\Option;

/**
 * Whether the agent runs, and from cron. On page hits an agent holds a visitor's PHP worker
 * while it sends, and stops when the site has no visitors; the settings page says so.
 */
final class Cron
{
    /** An agent silent this long is not running (it is due every minute). */
    public const STALE_S = 600;

    public static function noteAgentRun(): void
    {
        Option::set(Settings::MODULE_ID, 'agent_last_run', (string) time());
        Option::set(Settings::MODULE_ID, 'agent_on_cron', self::onCron() ? 'Y' : 'N');
    }

    /**
     * This run comes from cron: cron_events.php (or the module's CLI, BX_CRONTAB) in the console
     * on a site set up for it (BX_CRONTAB_SUPPORT in dbconn.php, or the main module's
     * agents_use_crontab). Bitrix's cron_events.php defines BX_CRONTAB only after the agents.
     */
    public static function onCron(): bool
    {
        if (\defined('BX_CRONTAB') && BX_CRONTAB === true) {
            return true;
        }

        return PHP_SAPI === 'cli' && ((\defined('BX_CRONTAB_SUPPORT') && BX_CRONTAB_SUPPORT === true) || Option::get('main', 'agents_use_crontab', 'N') === 'Y');
    }

    /** @return string|null a message code (VITRINALAB_VITRINA_OPT_CRON_<code>), null when fine */
    public static function problem(int $now): ?string
    {
        $last = (int) Option::get(Settings::MODULE_ID, 'agent_last_run', '0');
        if ($last === 0 || $now - $last > self::STALE_S) {
            return 'NOT_RUNNING';
        }

        return Option::get(Settings::MODULE_ID, 'agent_on_cron', 'N') === 'Y' ? null : 'NOT_CRON';
    }
}
