<?php

/*
 * A command-line driver for a stand-in shop, for tests run from Python:
 *
 *   php shop.php DIR site N                         a site with N products, the module not installed
 *   php shop.php DIR create VITRINA_URL SECRET N [RATE]  a site in DIR with N products (photos,
 *                                                   retail prices, stock), then the module installed
 *                                                   (send_rate RATE per second, default 200)
 *   php shop.php DIR edit K                         the admin changes K prices (events → outbox)
 *   php shop.php DIR bypass K                       K prices and K names changed in SQL, no events
 *                                                   (an exchange script that skips the API)
 *   php shop.php DIR delete-bypass K                K products deleted in SQL, no events
 *   php shop.php DIR lose-queue                     the outbox emptied (lost rows)
 *   php shop.php DIR send-later S                   the module's sender run as the agent runs it, on a
 *                                                   clock S seconds ahead (rows waiting out a backoff are due)
 *   php shop.php DIR outbox                         the outbox rows: [[STATUS, RESPONSE_ACTION, ATTEMPTS], ...]
 *   php shop.php DIR dump                           {id: {"name", "price", "enabled"}} as Vitrina should have them
 *   php shop.php DIR lead-secret                    the module's secret for requests (VITRINA_LEAD_WEBHOOK_SECRET)
 *   php shop.php DIR mail                           the mail events sent: [{"EVENT_NAME", "LID", "FIELDS", "FILES", "PATHS"}, ...]
 *
 * Every change picks products deterministically (by id order), so the test knows what changed.
 */

declare(strict_types=1);

require __DIR__ . '/lib/site.php';

[$_, $dir, $command] = $argv + [null, null, null];
$arg = $argv[3] ?? null;
if ($dir === null || $command === null) {
    fwrite(STDERR, "usage: php shop.php DIR site|create|edit|bypass|delete-bypass|lose-queue|send-later|outbox|dump [ARG ...]\n");
    exit(2);
}

if ($command === 'create' || $command === 'site') {
    $shop = new_shop($dir);
    for ($i = 0; $i < (int) ($argv[$command === 'site' ? 3 : 5] ?? 0); $i++) {
        add_product($shop, "Букет №{$i}", 4000 + 50 * $i, $i % 7 === 0 ? 0 : 3);
    }
    if ($command === 'site') {
        echo json_encode(['catalog' => $shop->catalog]), "\n";
        exit(0);
    }
    install_module($shop, ['vitrina_url' => (string) $argv[3], 'secret' => (string) $argv[4], 'send_rate' => (string) ($argv[6] ?? '200'), 'bulk_batch' => '100', 'retry_base_s' => '1', 'retry_cap_s' => '2']);
    echo json_encode(['catalog' => $shop->catalog]), "\n";
    exit(0);
}

StandIn::boot("{$dir}/site.db", $dir);
\Bitrix\Main\Loader::includeModule(MODULE_ID);
$catalog = (int) \Bitrix\Main\Config\Option::get(MODULE_ID, 'iblock_ids');
$shop = new Shop($dir, "{$dir}/site.db", $catalog, 0, 0);
$db = StandIn::db();
$ids = static fn (int $limit, int $skip = 0): array => array_map('intval', array_column(
    $db->query("SELECT ID FROM b_iblock_element WHERE IBLOCK_ID = {$catalog} ORDER BY ID LIMIT {$limit} OFFSET {$skip}")->fetchAll(), 'ID'));

switch ($command) {
    case 'edit':
        foreach ($ids((int) $arg) as $id) {
            CPrice::Update(retail_price_id($id), ['PRICE' => 9100]);
        }
        break;
    case 'bypass':
        foreach ($ids((int) $arg, 50) as $id) {
            $db->queryExecute('UPDATE b_catalog_price SET PRICE = 7700 WHERE PRODUCT_ID = ' . $id . ' AND CATALOG_GROUP_ID = ' . RETAIL);
            $renamed = $db->getType() === 'mysql' ? "CONCAT(NAME, ' (обновлён)')" : "NAME || ' (обновлён)'"; // || is OR in MySQL
            $db->queryExecute("UPDATE b_iblock_element SET NAME = {$renamed} WHERE ID = {$id}");
        }
        break;
    case 'delete-bypass':
        foreach ($ids((int) $arg, 100) as $id) {
            $db->queryExecute("DELETE FROM b_iblock_element WHERE ID = {$id}");
            $db->queryExecute("DELETE FROM b_catalog_price WHERE PRODUCT_ID = {$id}");
        }
        break;
    case 'lose-queue':
        $db->queryExecute('DELETE FROM b_vitrinalab_vitrina_outbox');
        break;
    case 'send-later':
        $settings = \Vitrinalab\Vitrina\Settings::load();
        $report = \Vitrinalab\Vitrina\Sender::create($settings, new FrozenClock(time() + (int) $arg))->run();
        echo "delivered {$report->delivered}, retrying {$report->retried}, failed {$report->failed}\n";
        break;
    case 'outbox':
        $rows = $db->query('SELECT STATUS, RESPONSE_ACTION, ATTEMPTS FROM b_vitrinalab_vitrina_outbox ORDER BY ID')->fetchAll();
        echo json_encode(array_map(static fn (array $r): array => [$r['STATUS'], $r['RESPONSE_ACTION'], (int) $r['ATTEMPTS']], $rows)), "\n";
        break;
    case 'dump':
        $settings = \Vitrinalab\Vitrina\Settings::load();
        $out = [];
        foreach ((new \Vitrinalab\Vitrina\Catalog($settings))->products($ids(100000)) as $id => $p) {
            $out[$id] = ['name' => $p['title'], 'price' => (int) round($p['price'] * 100), 'enabled' => $p['isAvailable']];
        }
        echo json_encode($out, JSON_UNESCAPED_UNICODE), "\n";
        break;
    case 'lead-secret':
        echo \Bitrix\Main\Config\Option::get(MODULE_ID, 'lead_secret'), "\n";
        break;
    case 'mail':
        $sent = array_map(static fn (array $m): array => $m + ['PATHS' => array_map([CFile::class, 'GetPath'], $m['FILES'])], StandInMail::sent());
        echo json_encode($sent, JSON_UNESCAPED_UNICODE), "\n";
        break;
    default:
        fwrite(STDERR, "unknown command {$command}\n");
        exit(2);
}
