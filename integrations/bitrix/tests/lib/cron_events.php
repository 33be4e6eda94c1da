<?php

/* What bitrix/modules/main/tools/cron_events.php does on a real site: run the due agents. */

declare(strict_types=1);

require __DIR__ . '/../../standin/prolog_before.php';

echo CAgent::CheckAgents(), "\n";
