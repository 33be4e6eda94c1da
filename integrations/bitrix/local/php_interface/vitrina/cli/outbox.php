<?php

/*
 * The outbox from the command line, on the site's server:
 *
 *   php local/php_interface/vitrina/cli/outbox.php status      counts per status
 *   php local/php_interface/vitrina/cli/outbox.php failed      rows that did not get through, and why
 *   php local/php_interface/vitrina/cli/outbox.php pending     rows waiting or retrying
 *   php local/php_interface/vitrina/cli/outbox.php requeue [ID ...]   send failed rows again (all if no ID)
 *   php local/php_interface/vitrina/cli/outbox.php send        one sender run now (what the agent does)
 *   php local/php_interface/vitrina/cli/outbox.php install     create the table and the agent
 *
 * Loads Bitrix's prolog (so $DB and init.php's constants are there); VITRINA_BITRIX_PROLOG may
 * name another prolog file (the tests' stand-in uses it).
 */

declare(strict_types=1);

if (PHP_SAPI !== 'cli') {
    http_response_code(404);
    exit;
}

$prolog = getenv('VITRINA_BITRIX_PROLOG') ?: null;
if ($prolog === null) {
    $_SERVER['DOCUMENT_ROOT'] = realpath(__DIR__ . '/../../../..');
    define('NO_KEEP_STATISTIC', true);
    define('NOT_CHECK_PERMISSIONS', true);
    define('BX_NO_ACCELERATOR_RESET', true);
    $prolog = $_SERVER['DOCUMENT_ROOT'] . '/bitrix/modules/main/include/prolog_before.php';
}
require $prolog;

use Vitrina\Bitrix\Config;
use Vitrina\Bitrix\Module;
use Vitrina\Bitrix\Outbox;
use Vitrina\Bitrix\Sender;

$config = Config::fromConstants();
$outbox = new Outbox($GLOBALS['DB'], $config->table);
$command = $argv[1] ?? 'status';
$when = static fn (mixed $t): string => $t === null ? '-' : gmdate('Y-m-d H:i:s', (int) $t) . 'Z';

switch ($command) {
    case 'status':
        foreach ($outbox->counts() as $status => $n) {
            printf("%-10s %d\n", $status, $n);
        }
        break;
    case 'failed':
    case 'pending':
        foreach ($outbox->list($command, 100) as $row) {
            printf(
                "#%d %s product %d changed %s attempts %d next %s http %s\n    %s\n",
                $row['id'], $row['event_type'], $row['product_id'], $when($row['occurred_at']),
                $row['attempts'], $when($row['next_attempt_at']), $row['last_http_status'] ?? '-',
                str_replace("\n", ' ', (string) ($row['last_error'] ?? '')),
            );
        }
        break;
    case 'requeue':
        $n = $outbox->requeue(array_map('intval', array_slice($argv, 2)), time());
        echo "requeued {$n}\n";
        break;
    case 'send':
        $report = Sender::create($config, $GLOBALS['DB'])->run();
        echo "delivered {$report->delivered}, retrying {$report->retried}, failed {$report->failed}\n";
        break;
    case 'install':
        Module::install();
        echo "outbox table and agent installed\n";
        break;
    default:
        fwrite(STDERR, "unknown command {$command}: status | failed | pending | requeue [ID ...] | send | install\n");
        exit(2);
}
