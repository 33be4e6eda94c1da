<?php

declare(strict_types=1);

namespace Vitrinalab\Vitrina;

use Bitrix\Main\Application;

/**
 * The `sequence` Vitrina orders a product's events by is the outbox row id, and Vitrina drops as
 * stale any sequence not above the last one it applied. So the ids must only grow, also when
 * the table is dropped and created again (uninstall without "keep data", then install) and
 * after the old init.php library, whose own counter started at 1.
 *
 * The floor: ids start at the install time in microseconds (1.7·10^15, a BIGINT), above every id
 * an earlier install can have reached unless it queued more than a million rows a second on
 * average. It is raised at every install; on a kept table it changes nothing (MySQL keeps
 * AUTO_INCREMENT above the largest id anyway).
 */
final class Sequence
{
    /** @param float $now unix time with microseconds (microtime(true)) */
    public static function floor(float $now): int
    {
        return (int) floor($now * 1_000_000);
    }

    /** Make the next row id at least floor($now). */
    public static function raiseFloor(string $table, float $now): void
    {
        $db = Application::getConnection();
        $next = self::floor($now);
        $max = (int) ($db->query("SELECT MAX(ID) AS M FROM {$table}")->fetch()['M'] ?? 0);
        if ($max >= $next) {
            return;
        }
        if ($db->getType() === 'mysql') {
            $db->queryExecute("ALTER TABLE {$table} AUTO_INCREMENT = {$next}");
            return;
        }
        // The stand-in's SQLite: AUTOINCREMENT keeps its counter in sqlite_sequence.
        $db->queryExecute("DELETE FROM sqlite_sequence WHERE name = '{$table}'");
        $db->queryExecute("INSERT INTO sqlite_sequence (name, seq) VALUES ('{$table}', " . ($next - 1) . ')');
    }
}
