<?php

declare(strict_types=1);

namespace Vitrina\Bitrix;

/**
 * The outbox table, through Bitrix's own $DB (CDatabase).
 *
 * Writing through $DB rather than a connection of our own is the point: the row is part of the
 * admin's transaction, so it exists exactly when the product change does. Values are inlined with
 * $DB->ForSql() inside quotes, or cast to int, as Bitrix's old API expects.
 *
 * A row is `pending` until it is `delivered` or `failed`; while a sender works on it, it holds
 * lock_token/locked_until (a lease, so a crashed run's rows are picked up again later).
 */
final class Outbox
{
    public const PENDING = 'pending';
    public const DELIVERED = 'delivered';
    public const FAILED = 'failed';

    public const CREATED = 'product.created';
    public const UPDATED = 'product.updated';
    public const DELETED = 'product.deleted';

    /** @param object $db Bitrix CDatabase (global $DB) or the stand-in's */
    public function __construct(
        private readonly object $db,
        private readonly string $table = 'vitrina_outbox',
    ) {
    }

    /** Create the table (idempotent). MySQL on a real site, SQLite on the stand-in. */
    public function install(): void
    {
        $dialect = strtoupper((string) ($this->db->type ?? 'MYSQL')) === 'SQLITE' ? 'sqlite' : 'mysql';
        $ddl = (string) file_get_contents(__DIR__ . "/../install/{$dialect}.sql");
        $ddl = str_replace('vitrina_outbox', $this->table, $ddl);
        $ddl = preg_replace('/^--.*$/m', '', $ddl) ?? $ddl;
        foreach (array_filter(array_map('trim', explode(';', $ddl))) as $statement) {
            $this->db->Query($statement);
        }
    }

    /**
     * Record a change. Called inside the admin's request, so: one INSERT, nothing else.
     */
    public function enqueue(string $eventType, int $productId, int $now): bool
    {
        $sql = "INSERT INTO {$this->table} (event_id, event_type, product_id, occurred_at, status, attempts, next_attempt_at)"
            . " VALUES ('" . $this->db->ForSql(self::uuid4()) . "', '" . $this->db->ForSql($eventType) . "', "
            . $productId . ', ' . $now . ", '" . self::PENDING . "', 0, " . $now . ')';

        // Errors are ignored (second argument) so a broken outbox never blocks the shop's admin;
        // the failure is logged and reconciliation on Vitrina's side heals the missed change.
        return $this->db->Query($sql, true) !== false;
    }

    /**
     * Rows a sender may try now, oldest first.
     *
     * A row waits while an earlier row of the same product is still pending (retrying or held by
     * another run): Vitrina applies a product's events by `sequence` and drops older ones as stale,
     * so one product's rows must arrive in id order. Rows of other products are not held up.
     *
     * @return list<array<string, mixed>>
     */
    public function due(int $now, int $limit): array
    {
        $t = $this->table;
        $sql = "SELECT o.* FROM {$t} o"
            . " WHERE o.status = '" . self::PENDING . "' AND o.next_attempt_at <= {$now}"
            . " AND (o.locked_until IS NULL OR o.locked_until < {$now})"
            . " AND NOT EXISTS (SELECT 1 FROM {$t} e WHERE e.product_id = o.product_id"
            . " AND e.status = '" . self::PENDING . "' AND e.id < o.id)"
            . ' ORDER BY o.id LIMIT ' . max(1, $limit);

        return $this->fetchAll($sql);
    }

    /**
     * Take a row for one delivery: an atomic compare-and-set on the lease, so of two concurrent
     * runs exactly one gets it (the other sees 0 affected rows and moves on).
     */
    public function claim(int $id, string $token, int $now, int $leaseS): bool
    {
        $sql = "UPDATE {$this->table} SET lock_token = '" . $this->db->ForSql($token) . "', locked_until = " . ($now + $leaseS)
            . " WHERE id = {$id} AND status = '" . self::PENDING . "'"
            . " AND (locked_until IS NULL OR locked_until < {$now})";

        return $this->db->Query($sql)->AffectedRowsCount() === 1;
    }

    public function markDelivered(int $id, string $token, int $now, int $httpStatus, ?string $action): void
    {
        $this->finish($id, $token, [
            'status' => self::DELIVERED,
            'attempts' => 'attempts + 1',
            'finished_at' => $now,
            'last_http_status' => $httpStatus,
            'last_error' => null,
            'response_action' => $action,
        ]);
    }

    public function scheduleRetry(int $id, string $token, int $nextAttemptAt, int $httpStatus, string $error): void
    {
        $this->finish($id, $token, [
            'attempts' => 'attempts + 1',
            'next_attempt_at' => $nextAttemptAt,
            'last_http_status' => $httpStatus,
            'last_error' => $error,
        ]);
    }

    public function markFailed(int $id, string $token, int $now, int $httpStatus, string $error): void
    {
        $this->finish($id, $token, [
            'status' => self::FAILED,
            'attempts' => 'attempts + 1',
            'finished_at' => $now,
            'last_http_status' => $httpStatus,
            'last_error' => $error,
        ]);
    }

    /**
     * Put failed rows back in the queue (after fixing a wrong secret or URL, say).
     *
     * @param list<int> $ids empty = every failed row
     */
    public function requeue(array $ids, int $now): int
    {
        $where = "status = '" . self::FAILED . "'";
        if ($ids !== []) {
            $where .= ' AND id IN (' . implode(', ', array_map('intval', $ids)) . ')';
        }
        $sql = "UPDATE {$this->table} SET status = '" . self::PENDING . "', attempts = 0, next_attempt_at = {$now},"
            . " finished_at = NULL, lock_token = NULL, locked_until = NULL WHERE {$where}";

        return $this->db->Query($sql)->AffectedRowsCount();
    }

    /** Delete delivered rows finished before $before; failed rows are kept until someone looks. */
    public function purgeDelivered(int $before): int
    {
        return $this->db->Query("DELETE FROM {$this->table} WHERE status = '" . self::DELIVERED . "' AND finished_at < {$before}")
            ->AffectedRowsCount();
    }

    /** @return array<string, int> rows per status */
    public function counts(): array
    {
        $counts = [self::PENDING => 0, self::DELIVERED => 0, self::FAILED => 0];
        foreach ($this->fetchAll("SELECT status, COUNT(*) AS n FROM {$this->table} GROUP BY status") as $row) {
            $counts[(string) $row['status']] = (int) $row['n'];
        }

        return $counts;
    }

    /**
     * The rows of one status, newest first — the admin's view of what did not get through.
     *
     * @return list<array<string, mixed>>
     */
    public function list(string $status, int $limit = 50): array
    {
        return $this->fetchAll("SELECT * FROM {$this->table} WHERE status = '" . $this->db->ForSql($status)
            . "' ORDER BY id DESC LIMIT " . max(1, $limit));
    }

    /** @return array<string, mixed>|null */
    public function get(int $id): ?array
    {
        return $this->fetchAll("SELECT * FROM {$this->table} WHERE id = {$id}")[0] ?? null;
    }

    /**
     * @param array<string, int|string|null> $set column => value; 'attempts + 1' is the one SQL expression
     */
    private function finish(int $id, string $token, array $set): void
    {
        $set += ['lock_token' => null, 'locked_until' => null];
        $parts = [];
        foreach ($set as $column => $value) {
            $parts[] = $column . ' = ' . match (true) {
                $value === null => 'NULL',
                $value === 'attempts + 1' => 'attempts + 1',
                \is_int($value) => (string) $value,
                default => "'" . $this->db->ForSql((string) $value) . "'",
            };
        }
        // Only the holder of the lease may finish the row: if our lease ran out and another run
        // took the row over, this update matches nothing instead of overwriting its result.
        $this->db->Query("UPDATE {$this->table} SET " . implode(', ', $parts)
            . " WHERE id = {$id} AND lock_token = '" . $this->db->ForSql($token) . "'");
    }

    /** @return list<array<string, mixed>> */
    private function fetchAll(string $sql): array
    {
        $result = $this->db->Query($sql);
        $rows = [];
        while ($row = $result->Fetch()) {
            $rows[] = $row;
        }

        return $rows;
    }

    /** A random (version 4) UUID: the row's event_id, fixed for all of its delivery attempts. */
    public static function uuid4(): string
    {
        $bytes = random_bytes(16);
        $bytes[6] = \chr((\ord($bytes[6]) & 0x0f) | 0x40);
        $bytes[8] = \chr((\ord($bytes[8]) & 0x3f) | 0x80);

        return vsprintf('%s%s-%s-%s-%s-%s%s%s', str_split(bin2hex($bytes), 4));
    }
}
