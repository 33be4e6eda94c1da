<?php

/*
 * For benchmarks/bitrix_module.py --scan: the module's "send everything" and "what changed" scans
 * over a catalog of N products with two trade offers each, on the stand-in (MariaDB when
 * VITRINA_STANDIN_MYSQL is set), against a bare CIBlockElement::GetList loop in the same run.
 *
 *   php bench_scan.php DIR N       prints one JSON line: products/s and queries per product
 *
 * The catalog is seeded with plain SQL (the API would take longer than the measurement); the
 * measured parts go through the module and the stand-in's Bitrix API as on a site.
 */

declare(strict_types=1);

require __DIR__ . '/lib/site.php';

use Vitrinalab\Vitrina\Bulk;
use Vitrinalab\Vitrina\Catalog;
use Vitrinalab\Vitrina\Outbox;
use Vitrinalab\Vitrina\Settings;

[$dir, $n] = [(string) $argv[1], (int) $argv[2]];
$shop = new_shop($dir);
install_module($shop, ['bulk_batch' => '500']);
$db = StandIn::db();
$props = [];
foreach ($db->query('SELECT ID, IBLOCK_ID, CODE FROM b_iblock_property')->fetchAll() as $p) {
    $props[$p['IBLOCK_ID'] . ':' . $p['CODE']] = (int) $p['ID'];
}

/** @param list<string> $rows */
function insert(string $table, string $columns, array $rows): void
{
    foreach (array_chunk($rows, 1000) as $chunk) {
        StandIn::db()->queryExecute("INSERT INTO {$table} ({$columns}) VALUES " . implode(', ', $chunk));
    }
}

$now = time();
$db->startTransaction();
$next = 1_000_000;
[$elements, $values, $products, $prices] = [[], [], [], []];
for ($i = 0; $i < $n; $i++) {
    $id = $next++;
    $elements[] = "({$id}, {$shop->catalog}, 'Букет {$i}', 'b{$i}', 'Y', {$now}, {$now})";
    $values[] = '(' . $props["{$shop->catalog}:HEIGHT"] . ", {$id}, '" . (40 + $i % 50) . " см')";
    $values[] = '(' . $props["{$shop->catalog}:TYPE"] . ", {$id}, 'vitrina')";
    $products[] = "({$id}, 0, 'N', 'N', 3, {$now})";
    for ($o = 0; $o < 2; $o++) {
        $offer = $next++;
        $elements[] = "({$offer}, {$shop->offers}, 'Букет {$i} / {$o}', 'o{$offer}', 'Y', {$now}, {$now})";
        $values[] = '(' . $props["{$shop->offers}:CML2_LINK"] . ", {$offer}, '{$id}')";
        $products[] = "({$offer}, " . ($o + $i % 3) . ", '" . ($o + $i % 3 > 0 ? 'Y' : 'N') . "', 'N', 4, {$now})";
        $prices[] = "({$offer}, " . RETAIL . ', ' . (5000 + 100 * ($i % 40) + 1000 * $o) . ", 'KZT', {$now})";
    }
}
insert('b_iblock_element', 'ID, IBLOCK_ID, NAME, CODE, ACTIVE, DATE_CREATE, TIMESTAMP_X', $elements);
insert('b_iblock_element_property', 'IBLOCK_PROPERTY_ID, IBLOCK_ELEMENT_ID, VALUE', $values);
insert('b_catalog_product', 'ID, QUANTITY, AVAILABLE, CAN_BUY_ZERO, TYPE, TIMESTAMP_X', $products);
insert('b_catalog_price', 'PRODUCT_ID, CATALOG_GROUP_ID, PRICE, CURRENCY, TIMESTAMP_X', $prices);
$db->commitTransaction();

/** @return array{0: float, 1: int} seconds and queries of $body */
function measure(callable $body): array
{
    $queries = StandIn::db()->queries;
    $start = hrtime(true);
    $body();

    return [(hrtime(true) - $start) / 1e9, StandIn::db()->queries - $queries];
}

$result = ['products' => $n, 'backend' => $db->getType()];
// Baseline: the bare loop a developer would write, pages of 500 by id, fields via GetNext().
[$s, $q] = measure(static function () use ($shop): void {
    $after = 0;
    do {
        $res = CIBlockElement::GetList(['ID' => 'ASC'], ['IBLOCK_ID' => [$shop->catalog], 'ACTIVE' => 'Y', '>ID' => $after], false, ['nTopCount' => 500],
            ['ID', 'IBLOCK_ID', 'NAME', 'CODE', 'ACTIVE', 'DETAIL_PICTURE', 'PREVIEW_PICTURE', 'DETAIL_PAGE_URL', 'DATE_CREATE']);
        $count = 0;
        while ($row = $res->GetNext()) {
            $after = (int) $row['ID'];
            $count++;
        }
    } while ($count === 500);
});
$result['getlist'] = ['per_s' => $n / $s, 'queries_per_product' => $q / $n, 's' => $s];

$settings = Settings::load();
$scan = static function (string $mode) use ($settings): void {
    Bulk::start($mode, time());
    do {
        $state = Bulk::step($settings, new Catalog($settings), new Outbox(), time());
    } while ($state['finished_at'] === '');
};
[$s, $q] = measure(static fn () => $scan(Bulk::ALL));
$result['send_all'] = ['per_s' => $n / $s, 'queries_per_product' => $q / $n, 's' => $s, 'queued' => (int) Bulk::state()['queued']];

// Vitrina has everything as it is now (what a finished send-all leaves), the queue is empty.
$db->queryExecute('DELETE FROM b_vitrinalab_vitrina_outbox');
$catalog = new Catalog($settings);
$after = 0;
while (($ids = $catalog->activeIds($after, 500)) !== []) {
    insert('b_vitrinalab_vitrina_sent', 'PRODUCT_ID, STAMP, SENT_AT', array_map(
        static fn (int $id, ?array $p): string => "({$id}, '" . ($p['stamp'] ?? '') . "', {$now})",
        array_keys($products = $catalog->products($ids)),
        $products,
    ));
    $after = end($ids);
}
[$s, $q] = measure(static fn () => $scan(Bulk::CHANGED));
$result['what_changed'] = ['per_s' => $n / $s, 'queries_per_product' => $q / $n, 's' => $s, 'queued' => (int) Bulk::state()['queued']];

echo json_encode($result), "\n";
