<?php

/*
 * The stand-in's prolog: what bitrix/modules/main/include/prolog_before.php gives a CLI script on a
 * real site — $DB, and local/php_interface/init.php run. Here "init.php" defines the VITRINA_*
 * constants from environment variables of the same names and requires the module.
 *
 *   VITRINA_STANDIN_DB=/tmp/site.db VITRINA_URL=... php local/php_interface/vitrina/cli/outbox.php status
 */

declare(strict_types=1);

require_once __DIR__ . '/bitrix.php';

$path = getenv('VITRINA_STANDIN_DB');
if ($path === false || $path === '') {
    fwrite(STDERR, "VITRINA_STANDIN_DB must name the stand-in site's SQLite file\n");
    exit(2);
}
StandIn::boot($path);

foreach ([
    'VITRINA_URL', 'VITRINA_WEBHOOK_SECRETS', 'VITRINA_CATALOG_IBLOCK_ID', 'VITRINA_SHOP_API_URL',
    'VITRINA_SHOP_API_TOKEN', 'VITRINA_TIMEOUT_S', 'VITRINA_BATCH_SIZE', 'VITRINA_MAX_RUN_S',
    'VITRINA_RETRY_BASE_S', 'VITRINA_RETRY_CAP_S', 'VITRINA_GIVE_UP_AFTER_S',
] as $constant) {
    $value = getenv($constant);
    if ($value !== false && !defined($constant)) {
        define($constant, $value);
    }
}

require_once __DIR__ . '/../local/php_interface/vitrina/include.php';
