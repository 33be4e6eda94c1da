<?php

/*
 * What bitrix/modules/main/tools/cron_events.php does on a real site: run the due agents.
 * `php cron_events.php --minute-passed` first makes every agent due (tests cannot wait a minute).
 */

declare(strict_types=1);

$_SERVER['DOCUMENT_ROOT'] = (string) getenv('STANDIN_ROOT');
define('BX_CRONTAB_SUPPORT', true); // what a site set up for cron has in dbconn.php
require __DIR__ . '/prolog_before.php';

if (in_array('--minute-passed', $argv, true)) {
    CAgent::MakeAllDue();
}
echo CAgent::CheckAgents(), "\n";
define('BX_CRONTAB', true); // as Bitrix's own cron_events.php: only after the agents, for CEvent::CheckEvents
