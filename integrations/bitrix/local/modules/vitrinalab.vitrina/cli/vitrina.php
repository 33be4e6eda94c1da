<?php

/*
 * The module from the command line (cron, deployment, support):
 *
 *   php local/modules/vitrinalab.vitrina/cli/vitrina.php status
 *   php local/modules/vitrinalab.vitrina/cli/vitrina.php send            # the agent's work, now
 *   php local/modules/vitrinalab.vitrina/cli/vitrina.php send-all        # every active product, with progress
 *   php local/modules/vitrinalab.vitrina/cli/vitrina.php send-changed    # only what Vitrina does not have
 *   php local/modules/vitrinalab.vitrina/cli/vitrina.php failed
 *   php local/modules/vitrinalab.vitrina/cli/vitrina.php requeue [ROW_ID ...]
 *
 * send-all / send-changed queue in batches and send at the configured rate until the queue is
 * empty; rows Vitrina did not take (it is down, say) stay queued for the agent. Exit 0 done,
 * 1 not everything delivered, 2 usage or configuration error.
 */

if (PHP_SAPI !== 'cli') {
    exit(2);
}

$_SERVER['DOCUMENT_ROOT'] = getenv('BITRIX_DOCUMENT_ROOT') ?: dirname(__DIR__, 4);
define('NO_KEEP_STATISTIC', true);
define('NOT_CHECK_PERMISSIONS', true);
define('NO_AGENT_CHECK', true);
define('BX_CRONTAB', true);

require $_SERVER['DOCUMENT_ROOT'] . '/bitrix/modules/main/include/prolog_before.php';

use Bitrix\Main\Loader;
use Vitrinalab\Vitrina\Bulk;
use Vitrinalab\Vitrina\Catalog;
use Vitrinalab\Vitrina\Outbox;
use Vitrinalab\Vitrina\OutboxTable;
use Vitrinalab\Vitrina\Sender;
use Vitrinalab\Vitrina\Settings;

if (!Loader::includeModule('vitrinalab.vitrina') || !Loader::includeModule('iblock') || !Loader::includeModule('catalog')) {
    fwrite(STDERR, "the module vitrinalab.vitrina (and iblock, catalog) must be installed\n");
    exit(2);
}

$command = $argv[1] ?? 'status';
$settings = Settings::load();
$outbox = new Outbox();

function print_counts(Outbox $outbox): void
{
    foreach ($outbox->counts() as $status => $n) {
        echo str_pad($status, 10), $n, "\n";
    }
}

if (in_array($command, ['send', 'send-all', 'send-changed'], true) && $settings->problems() !== []) {
    fwrite(STDERR, 'not configured: ' . implode(', ', array_keys($settings->problems())) . " (Settings → Module settings → Vitrina)\n");
    exit(2);
}

switch ($command) {
    case 'status':
        print_counts($outbox);
        $bulk = Bulk::state();
        if ($bulk['mode'] !== '') {
            echo "bulk      {$bulk['mode']}: {$bulk['checked']}/{$bulk['total']} checked, {$bulk['queued']} queued"
                . ($bulk['finished_at'] !== '' ? ', finished ' . date('Y-m-d H:i:s', (int) $bulk['finished_at']) : ', running') . "\n";
        }
        exit(0);
    case 'send':
        $report = Sender::create($settings)->run();
        echo "delivered {$report->delivered}, retrying {$report->retried}, failed {$report->failed}\n";
        exit($report->retried + $report->failed === 0 ? 0 : 1);
    case 'send-all':
    case 'send-changed':
        Bulk::start($command === 'send-all' ? Bulk::ALL : Bulk::CHANGED, time());
        $catalog = new Catalog($settings);
        $sender = Sender::create($settings);
        $delivered = 0;
        do {
            $state = Bulk::step($settings, $catalog, $outbox, time());
            $report = $sender->run();
            $delivered += $report->delivered;
            $pending = $outbox->counts()[OutboxTable::PENDING];
            fwrite(STDERR, sprintf("\rchecked %d/%d, queued %d, delivered %d, waiting %d   ", $state['checked'], $state['total'], $state['queued'], $delivered, $pending));
        } while ($state['finished_at'] === '' || ($report->posted !== [] && $pending > 0));
        fwrite(STDERR, "\n");
        echo "checked {$state['checked']} of {$state['total']} products, queued {$state['queued']}, delivered {$delivered}, still waiting {$pending}\n";
        exit($pending === 0 ? 0 : 1);
    case 'failed':
        foreach ($outbox->list(OutboxTable::FAILED, 100) as $row) {
            echo "#{$row['ID']} product {$row['PRODUCT_ID']} {$row['EVENT_TYPE']} HTTP {$row['LAST_HTTP_STATUS']}: {$row['LAST_ERROR']}\n";
        }
        exit(0);
    case 'requeue':
        echo $outbox->requeue(array_map('intval', array_slice($argv, 2)), time()), " rows queued again\n";
        exit(0);
    default:
        fwrite(STDERR, "usage: vitrina.php status|send|send-all|send-changed|failed|requeue [ROW_ID ...]\n");
        exit(2);
}
