<?php

declare(strict_types=1);

namespace Vitrinalab\Vitrina;

use Bitrix\Main\Application;

/**
 * Queue operations on OutboxTable.
 *
 * Inserts and plain reads go through the ORM; the three statements whose meaning is in their WHERE
 * (the due rows, the lease claim, finishing under the lease) are written once in SQL that MySQL
 * and SQLite both run, because DataManager::update cannot express a compare-and-set.
 */
final class Outbox
{
    public const CREATED = 'product.created';
    public const UPDATED = 'product.updated';
    public const DELETED = 'product.deleted';

    private string $table;

    public function __construct()
    {
        $this->table = OutboxTable::getTableName();
    }

    /**
     * Record a change; called inside the admin's save, so one SELECT by index and one INSERT.
     *
     * A pending row of the product that no sender has touched yet already carries this change
     * (the payload is read when it is sent), so no second row is added: a 1C import re-saving a
     * product ten times queues it once.
     */
    public function enqueue(string $eventType, int $productId, int $now): bool
    {
        try {
            $waiting = OutboxTable::getList([
                'select' => ['ID'],
                'filter' => ['=PRODUCT_ID' => $productId, '=STATUS' => OutboxTable::PENDING, '=ATTEMPTS' => 0, '=LOCK_TOKEN' => null],
                'limit' => 1,
            ])->fetch();
            if ($waiting !== false && $eventType !== self::DELETED) {
                return true;
            }
            $result = OutboxTable::add([
                'EVENT_ID' => self::uuid4(),
                'EVENT_TYPE' => $eventType,
                'PRODUCT_ID' => $productId,
                'OCCURRED_AT' => $now,
                'STATUS' => OutboxTable::PENDING,
                'ATTEMPTS' => 0,
                'NEXT_ATTEMPT_AT' => $now,
            ]);

            return $result->isSuccess();
        } catch (\Throwable $e) {
            // Never break the admin's save: the miss is logged and healed by "send what changed".
            Log::error("could not record {$eventType} of product {$productId}: " . $e->getMessage());

            return false;
        }
    }

    /**
     * Rows a sender may try now, oldest first. A row waits while an earlier row of the same
     * product is pending: Vitrina drops a `sequence` older than the last applied one as stale, so
     * one product's rows must arrive in id order. Other products are not held up.
     *
     * @return list<array<string, mixed>>
     */
    public function due(int $now, int $limit): array
    {
        $t = $this->table;
        $p = OutboxTable::PENDING;

        return Application::getConnection()->query(
            "SELECT o.* FROM {$t} o WHERE o.STATUS = '{$p}' AND o.NEXT_ATTEMPT_AT <= {$now}"
            . " AND (o.LOCKED_UNTIL IS NULL OR o.LOCKED_UNTIL < {$now})"
            . " AND NOT EXISTS (SELECT 1 FROM {$t} e WHERE e.PRODUCT_ID = o.PRODUCT_ID AND e.STATUS = '{$p}' AND e.ID < o.ID)"
            . ' ORDER BY o.ID LIMIT ' . max(1, $limit)
        )->fetchAll();
    }

    /** Take a row for one delivery: of two concurrent runs exactly one changes it (1 affected row). */
    public function claim(int $id, string $token, int $now, int $leaseS): bool
    {
        $db = Application::getConnection();
        $db->queryExecute("UPDATE {$this->table} SET LOCK_TOKEN = '" . $db->getSqlHelper()->forSql($token) . "', LOCKED_UNTIL = " . ($now + $leaseS)
            . " WHERE ID = {$id} AND STATUS = '" . OutboxTable::PENDING . "' AND (LOCKED_UNTIL IS NULL OR LOCKED_UNTIL < {$now})");

        return $db->getAffectedRowsCount() === 1;
    }

    public function markDelivered(int $id, string $token, int $now, int $httpStatus, ?string $action): void
    {
        $this->finish($id, $token, ['STATUS' => OutboxTable::DELIVERED, 'FINISHED_AT' => $now, 'LAST_HTTP_STATUS' => $httpStatus, 'LAST_ERROR' => null, 'RESPONSE_ACTION' => $action]);
    }

    public function scheduleRetry(int $id, string $token, int $nextAttemptAt, int $httpStatus, string $error): void
    {
        $this->finish($id, $token, ['NEXT_ATTEMPT_AT' => $nextAttemptAt, 'LAST_HTTP_STATUS' => $httpStatus, 'LAST_ERROR' => $error]);
    }

    public function markFailed(int $id, string $token, int $now, int $httpStatus, string $error): void
    {
        $this->finish($id, $token, ['STATUS' => OutboxTable::FAILED, 'FINISHED_AT' => $now, 'LAST_HTTP_STATUS' => $httpStatus, 'LAST_ERROR' => $error]);
    }

    /**
     * Put failed rows back (after fixing a wrong secret or URL).
     *
     * @param list<int> $ids empty = every failed row
     */
    public function requeue(array $ids, int $now): int
    {
        $db = Application::getConnection();
        $where = "STATUS = '" . OutboxTable::FAILED . "'" . ($ids !== [] ? ' AND ID IN (' . implode(', ', array_map('intval', $ids)) . ')' : '');
        $db->queryExecute("UPDATE {$this->table} SET STATUS = '" . OutboxTable::PENDING . "', ATTEMPTS = 0, NEXT_ATTEMPT_AT = {$now},"
            . " FINISHED_AT = NULL, LOCK_TOKEN = NULL, LOCKED_UNTIL = NULL WHERE {$where}");

        return $db->getAffectedRowsCount();
    }

    /** Delivered rows are history after a while; failed rows stay until someone looks. */
    public function purgeDelivered(int $before): void
    {
        Application::getConnection()->queryExecute("DELETE FROM {$this->table} WHERE STATUS = '" . OutboxTable::DELIVERED . "' AND FINISHED_AT < {$before}");
    }

    /** @return array<string, int> rows per status */
    public function counts(): array
    {
        $counts = [OutboxTable::PENDING => 0, OutboxTable::DELIVERED => 0, OutboxTable::FAILED => 0];
        foreach (Application::getConnection()->query("SELECT STATUS, COUNT(*) AS N FROM {$this->table} GROUP BY STATUS")->fetchAll() as $row) {
            $counts[(string) $row['STATUS']] = (int) $row['N'];
        }

        return $counts;
    }

    /** @return array<string, mixed>|null the pending row waiting longest: ID, PRODUCT_ID, OCCURRED_AT, ATTEMPTS, LAST_ERROR */
    public function oldestPending(): ?array
    {
        $row = OutboxTable::getList(['filter' => ['=STATUS' => OutboxTable::PENDING], 'order' => ['ID' => 'ASC'], 'limit' => 1])->fetch();

        return $row === false ? null : $row;
    }

    /** @return list<array<string, mixed>> newest first */
    public function list(string $status, int $limit = 20): array
    {
        return OutboxTable::getList(['filter' => ['=STATUS' => $status], 'order' => ['ID' => 'DESC'], 'limit' => $limit])->fetchAll();
    }

    /** @param array<string, int|string|null> $set */
    private function finish(int $id, string $token, array $set): void
    {
        $db = Application::getConnection();
        $parts = ['ATTEMPTS = ATTEMPTS + 1', 'LOCK_TOKEN = NULL', 'LOCKED_UNTIL = NULL'];
        foreach ($set as $column => $value) {
            $parts[] = $column . ' = ' . match (true) {
                $value === null => 'NULL',
                \is_int($value) => (string) $value,
                default => "'" . $db->getSqlHelper()->forSql($value) . "'",
            };
        }
        // Only the lease holder finishes the row: if the lease ran out and another run took the
        // row over, this matches nothing instead of overwriting that run's result.
        $db->queryExecute("UPDATE {$this->table} SET " . implode(', ', $parts) . " WHERE ID = {$id} AND LOCK_TOKEN = '" . $db->getSqlHelper()->forSql($token) . "'");
    }

    /** The row's event_id, fixed for all its attempts: Vitrina's idempotency key. */
    public static function uuid4(): string
    {
        $bytes = random_bytes(16);
        $bytes[6] = \chr((\ord($bytes[6]) & 0x0f) | 0x40);
        $bytes[8] = \chr((\ord($bytes[8]) & 0x3f) | 0x80);

        return vsprintf('%s%s-%s-%s-%s-%s%s%s', str_split(bin2hex($bytes), 4));
    }
}
