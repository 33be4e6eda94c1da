<?php

/* What bitrix/modules/main/tools/cron_events.php does on a real site: run the due agents. */

declare(strict_types=1);

$_SERVER['DOCUMENT_ROOT'] = (string) getenv('STANDIN_ROOT');
define('BX_CRONTAB', true);
require __DIR__ . '/prolog_before.php';

echo CAgent::CheckAgents(), "\n";
