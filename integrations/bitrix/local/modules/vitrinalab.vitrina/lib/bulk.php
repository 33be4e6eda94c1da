<?php

declare(strict_types=1);

namespace Vitrinalab\Vitrina;

use Bitrix\Main\Application;
use Bitrix\Main\Config\Option;

/**
 * "Send everything" and "send what changed", one batch per agent run, with progress in options.
 *
 * Both walk the active products by id, then the products Vitrina was sent but that are no longer
 * active (deleted or switched off). "Everything" queues every product; "what changed" only those
 * whose stamp differs from the one Vitrina last accepted (SentTable) — that is the reconcile a 1C
 * import triggers. Rows go through the same outbox, so the sender's rate limit, signature, retries
 * and per-product order apply; a batch is at most `bulk_batch` products.
 */
final class Bulk
{
    public const ALL = 'all';
    public const CHANGED = 'changed';

    private const KEYS = ['mode', 'phase', 'cursor', 'total', 'checked', 'queued', 'started_at', 'finished_at', 'again'];

    /**
     * Start a scan, or, while one runs, mark it to run again when done: the next 1C file must
     * not restart a scan from zero (on a large catalog it would never reach the end), nor replace
     * a "send everything" the admin started. "Everything" outranks "what changed".
     */
    public static function request(string $mode, int $now): void
    {
        if (!self::isRunning()) {
            self::start($mode, $now);
            return;
        }
        $again = Option::get(Settings::MODULE_ID, 'bulk_again', '');
        Option::set(Settings::MODULE_ID, 'bulk_again', $again === self::ALL || $mode === self::ALL ? self::ALL : self::CHANGED);
    }

    public static function start(string $mode, int $now): void
    {
        $settings = Settings::load();
        self::save([
            'mode' => $mode === self::ALL ? self::ALL : self::CHANGED,
            'phase' => 'products',
            'cursor' => '0',
            'total' => (string) (new Catalog($settings))->countActive(),
            'checked' => '0',
            'queued' => '0',
            'started_at' => (string) $now,
            'finished_at' => '',
            'again' => '',
        ], true);
    }

    /** @return array<string, string> mode, phase, cursor, total, checked, queued, started_at, finished_at, again */
    public static function state(): array
    {
        $state = [];
        foreach (self::KEYS as $key) {
            $state[$key] = Option::get(Settings::MODULE_ID, 'bulk_' . $key, '');
        }

        return $state;
    }

    public static function isRunning(): bool
    {
        $state = self::state();

        return $state['mode'] !== '' && $state['finished_at'] === '';
    }

    /** One batch; returns the state after it. */
    public static function step(Settings $settings, Catalog $catalog, Outbox $outbox, int $now): array
    {
        $state = self::state();
        if ($state['mode'] === '' || $state['finished_at'] !== '') {
            return $state;
        }
        $batch = $settings->bulkBatch;
        $cursor = (int) $state['cursor'];
        $productsDone = false;
        if ($state['phase'] === 'products') {
            $ids = $catalog->activeIds($cursor, $batch);
            $queue = $state['mode'] === self::ALL ? $ids : self::changed($catalog, $ids);
            $state['checked'] = (string) ((int) $state['checked'] + \count($ids));
            $productsDone = \count($ids) < $batch;
            [$state['phase'], $state['cursor']] = $productsDone ? ['gone', '0'] : ['products', (string) end($ids)];
        } else {
            $rows = SentTable::getList(['select' => ['PRODUCT_ID'], 'filter' => ['>PRODUCT_ID' => $cursor], 'order' => ['PRODUCT_ID' => 'ASC'], 'limit' => $batch])->fetchAll();
            $ids = array_map(static fn (array $r): int => (int) $r['PRODUCT_ID'], $rows);
            // Active ones were compared in the first phase; here only those gone or switched off.
            $queue = self::changed($catalog, array_values(array_diff($ids, $catalog->activeAmong($ids))));
            $state['cursor'] = (string) ($ids === [] ? $cursor : end($ids));
            if (\count($ids) < $batch) {
                $state['finished_at'] = (string) $now;
            }
        }
        // One transaction per batch: one commit for 500 rows instead of 500 (MySQL flushes its log per commit).
        $db = Application::getConnection();
        $db->startTransaction();
        try {
            foreach ($queue as $id) {
                $outbox->enqueue(Outbox::UPDATED, $id, $now);
            }
            $db->commitTransaction();
        } catch (\Throwable $e) {
            $db->rollbackTransaction();
            throw $e;
        }
        $state['queued'] = (string) ((int) $state['queued'] + \count($queue));
        self::save($state);
        $again = Option::get(Settings::MODULE_ID, 'bulk_again', ''); // read now: a handler may have just asked
        if ($state['finished_at'] !== '' && $again !== '') {
            self::start($again, $now); // asked for while this one ran
            return self::state();
        }
        if ($productsDone) {
            // The products ran out within this batch: look for the gone ones in the same run,
            // so a small catalog is done in one agent run.
            return self::step($settings, $catalog, $outbox, $now);
        }

        return $state;
    }

    /**
     * The ids whose current stamp (null: gone from the catalog) differs from the one Vitrina
     * accepted, or that it never got. Queuing an id twice costs nothing: the outbox keeps one row.
     *
     * @param list<int> $ids
     * @return list<int>
     */
    private static function changed(Catalog $catalog, array $ids): array
    {
        if ($ids === []) {
            return [];
        }
        $sent = [];
        foreach (SentTable::getList(['select' => ['PRODUCT_ID', 'STAMP'], 'filter' => ['@PRODUCT_ID' => $ids]])->fetchAll() as $row) {
            $sent[(int) $row['PRODUCT_ID']] = (string) $row['STAMP'];
        }
        $changed = [];
        foreach ($catalog->products($ids) as $id => $product) {
            if ($product === null || ($sent[$id] ?? null) !== $product['stamp']) {
                $changed[] = $id;
            }
        }

        return $changed;
    }

    /** @param array<string, string> $state 'again' only from start(): request() owns it meanwhile */
    private static function save(array $state, bool $withAgain = false): void
    {
        foreach (self::KEYS as $key) {
            if ($key === 'again' && !$withAgain) {
                continue;
            }
            Option::set(Settings::MODULE_ID, 'bulk_' . $key, (string) ($state[$key] ?? ''));
        }
    }
}
