<?php

/*
 * A minimal stand-in for the few 1C-Bitrix APIs the Vitrina module calls, so the module runs and is
 * tested with real php, real SQLite and real HTTP — without a Bitrix licence.
 *
 * Faithful where the module depends on it:
 * - AddEventHandler + GetModuleEvents/ExecuteModuleEventEx (old events, arguments by reference) and
 *   \Bitrix\Main\EventManager with D7 ORM events (\Bitrix\Main\ORM\Event, getParameter('id'|'fields'));
 * - CDatabase ($DB): Query() returning CDBResult (Fetch, AffectedRowsCount), Query($sql, true)
 *   returning false on error, ForSql() for values inside quotes, StartTransaction/Commit/Rollback
 *   nesting with savepoints like the D7 connection behind modern $DB; `type` names the dialect;
 * - CIBlockElement Add/Update/Delete fire OnAfterIBlockElement* the way Bitrix does: also when the
 *   save failed (RESULT false), with ID/IBLOCK_ID/WF_PARENT_ELEMENT_ID in $arFields;
 * - \Bitrix\Catalog\PriceTable / ProductTable fire '\Bitrix\Catalog\Price::OnAfterUpdate' etc.;
 *   an update event carries only the changed fields and the primary as ['ID' => n];
 * - CAgent: AddAgent, GetList, CheckAgents (eval of the agent string, rescheduled with what it returns).
 * Not a Bitrix: no properties, sections, workflow engine, caching or permissions.
 */

declare(strict_types=1);

namespace Bitrix\Main {

    final class EventManager
    {
        private static ?self $instance = null;

        /** @var array<string, list<array{CALLBACK: callable, SORT: int}>> "module:event" (lower case) => handlers */
        private array $handlers = [];

        public static function getInstance(): self
        {
            return self::$instance ??= new self();
        }

        /** Forget every handler (tests boot a fresh "hit"). */
        public static function reset(): void
        {
            self::$instance = null;
        }

        public function addEventHandler(string $fromModuleId, string $eventType, callable $callback, bool|string $includeFile = false, int $sort = 100): int
        {
            return $this->addEventHandlerCompatible($fromModuleId, $eventType, $callback, $includeFile, $sort);
        }

        public function addEventHandlerCompatible(string $fromModuleId, string $eventType, callable $callback, bool|string $includeFile = false, int $sort = 100): int
        {
            $key = strtolower($fromModuleId . ':' . $eventType);
            $this->handlers[$key][] = ['CALLBACK' => $callback, 'SORT' => $sort];
            usort($this->handlers[$key], static fn (array $a, array $b): int => $a['SORT'] <=> $b['SORT']);

            return \count($this->handlers[$key]);
        }

        /** @return list<array{CALLBACK: callable, SORT: int}> */
        public function findEventHandlers(string $fromModuleId, string $eventType): array
        {
            return $this->handlers[strtolower($fromModuleId . ':' . $eventType)] ?? [];
        }
    }

    class Event
    {
        /** @param array<string, mixed> $parameters */
        public function __construct(
            protected string $moduleId,
            protected string $type,
            protected array $parameters = [],
        ) {
        }

        public function getParameter(string $key): mixed
        {
            return $this->parameters[$key] ?? null;
        }

        /** @return array<string, mixed> */
        public function getParameters(): array
        {
            return $this->parameters;
        }

        public function getModuleId(): string
        {
            return $this->moduleId;
        }

        public function getEventType(): string
        {
            return $this->type;
        }

        public function send(): void
        {
            foreach (EventManager::getInstance()->findEventHandlers($this->moduleId, $this->type) as $handler) {
                ($handler['CALLBACK'])($this);
            }
        }
    }
}

namespace Bitrix\Main\ORM {

    /** Events of DataManager entities; the type is '\Namespace\Entity::OnAfterUpdate'. */
    class Event extends \Bitrix\Main\Event
    {
    }
}

namespace Bitrix\Main\DB {

    class SqlQueryException extends \RuntimeException
    {
    }
}

namespace Bitrix\Catalog {

    /** What DataManager::getList returns, enough of it. */
    final class StandInResult
    {
        public function __construct(private readonly \CDBResult $result)
        {
        }

        /** @return array<string, mixed>|false */
        public function fetch(): array|false
        {
            return $this->result->Fetch();
        }
    }

    final class StandInAddResult
    {
        public function __construct(private readonly int $id)
        {
        }

        public function isSuccess(): bool
        {
            return true;
        }

        public function getId(): int
        {
            return $this->id;
        }
    }

    final class PriceTable
    {
        /** @param array<string, mixed> $fields PRODUCT_ID, PRICE, CURRENCY */
        public static function add(array $fields): StandInAddResult
        {
            $db = \StandIn::db();
            $db->Query('INSERT INTO b_catalog_price (PRODUCT_ID, PRICE, CURRENCY) VALUES ('
                . (int) $fields['PRODUCT_ID'] . ', ' . (float) $fields['PRICE'] . ", '" . $db->ForSql((string) ($fields['CURRENCY'] ?? 'KZT')) . "')");
            $id = $db->LastID();
            (new \Bitrix\Main\ORM\Event('catalog', '\Bitrix\Catalog\Price::OnAfterAdd', ['id' => $id, 'primary' => ['ID' => $id], 'fields' => $fields]))->send();

            return new StandInAddResult($id);
        }

        /** @param array<string, mixed> $fields only the changed ones, like Bitrix */
        public static function update(int $id, array $fields): void
        {
            $db = \StandIn::db();
            if (isset($fields['PRICE'])) {
                $db->Query('UPDATE b_catalog_price SET PRICE = ' . (float) $fields['PRICE'] . " WHERE ID = {$id}");
            }
            (new \Bitrix\Main\ORM\Event('catalog', '\Bitrix\Catalog\Price::OnAfterUpdate', ['id' => ['ID' => $id], 'primary' => ['ID' => $id], 'fields' => $fields]))->send();
        }

        /** @param array{select?: list<string>, filter?: array<string, mixed>} $parameters only '=ID' and '=PRODUCT_ID' filters */
        public static function getList(array $parameters = []): StandInResult
        {
            $where = ['1 = 1'];
            foreach ($parameters['filter'] ?? [] as $key => $value) {
                $column = ltrim((string) $key, '=');
                if (!\in_array($column, ['ID', 'PRODUCT_ID'], true)) {
                    throw new \InvalidArgumentException("stand-in PriceTable: filter {$key} not supported");
                }
                $where[] = $column . ' = ' . (int) $value;
            }

            return new StandInResult(\StandIn::db()->Query('SELECT * FROM b_catalog_price WHERE ' . implode(' AND ', $where) . ' ORDER BY ID'));
        }
    }

    final class ProductTable
    {
        /** @param array<string, mixed> $fields AVAILABLE (Y/N), QUANTITY */
        public static function update(int $id, array $fields): void
        {
            $db = \StandIn::db();
            $db->Query("INSERT OR IGNORE INTO b_catalog_product (ID, AVAILABLE, QUANTITY) VALUES ({$id}, 'Y', 0)");
            if (isset($fields['AVAILABLE'])) {
                $db->Query("UPDATE b_catalog_product SET AVAILABLE = '" . $db->ForSql((string) $fields['AVAILABLE']) . "' WHERE ID = {$id}");
            }
            if (isset($fields['QUANTITY'])) {
                $db->Query('UPDATE b_catalog_product SET QUANTITY = ' . (int) $fields['QUANTITY'] . " WHERE ID = {$id}");
            }
            (new \Bitrix\Main\ORM\Event('catalog', '\Bitrix\Catalog\Product::OnAfterUpdate', ['id' => ['ID' => $id], 'primary' => ['ID' => $id], 'fields' => $fields]))->send();
        }
    }
}

namespace {

    /** Old-style registration, as in every init.php. */
    function AddEventHandler(string $fromModuleId, string $eventType, callable $callback, int $sort = 100): int
    {
        return \Bitrix\Main\EventManager::getInstance()->addEventHandlerCompatible($fromModuleId, $eventType, $callback, false, $sort);
    }

    /** @return list<array{CALLBACK: callable, SORT: int}> */
    function GetModuleEvents(string $moduleId, string $eventType, bool $returnArray = false): array
    {
        return \Bitrix\Main\EventManager::getInstance()->findEventHandlers($moduleId, $eventType);
    }

    /**
     * @param array{CALLBACK: callable} $arEvent
     * @param array<int, mixed> $arParams
     */
    function ExecuteModuleEventEx(array $arEvent, array $arParams = []): mixed
    {
        return call_user_func_array($arEvent['CALLBACK'], $arParams);
    }

    function AddMessage2Log(string $text, string $module = ''): void
    {
        StandIn::$log[] = ($module !== '' ? "[{$module}] " : '') . $text;
    }

    final class CDBResult
    {
        public function __construct(private readonly PDOStatement $statement)
        {
        }

        /** @return array<string, mixed>|false */
        public function Fetch(): array|false
        {
            return $this->statement->fetch(PDO::FETCH_ASSOC);
        }

        public function AffectedRowsCount(): int
        {
            return $this->statement->rowCount();
        }
    }

    /** $DB over SQLite through PDO. */
    final class CDatabase
    {
        /** Bitrix has "MYSQL"; modules pick their SQL dialect from it. */
        public string $type = 'SQLITE';
        public readonly PDO $pdo;
        private int $transactionLevel = 0;

        public function __construct(string $path)
        {
            $this->pdo = new PDO('sqlite:' . $path, null, null, [
                PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION,
                PDO::ATTR_TIMEOUT => 10, // wait for another process's write lock instead of failing
            ]);
            $this->pdo->exec('PRAGMA journal_mode = WAL');
        }

        /** Like Bitrix: throws on an SQL error, or returns false when $ignoreErrors. */
        public function Query(string $sql, bool $ignoreErrors = false, string $errorPosition = ''): CDBResult|false
        {
            try {
                return new CDBResult($this->pdo->query($sql));
            } catch (PDOException $e) {
                if ($ignoreErrors) {
                    return false;
                }
                throw new \Bitrix\Main\DB\SqlQueryException($e->getMessage() . " in: {$sql}", 0, $e);
            }
        }

        /** Escape a value for use inside single quotes; cut to $maxLength when given. */
        public function ForSql(mixed $value, int $maxLength = 0): string
        {
            $value = str_replace("\0", '', (string) $value);
            if ($maxLength > 0) {
                $value = substr($value, 0, $maxLength);
            }

            return str_replace("'", "''", $value);
        }

        public function LastID(): int
        {
            return (int) $this->pdo->lastInsertId();
        }

        public function StartTransaction(): void
        {
            if ($this->transactionLevel === 0) {
                $this->pdo->exec('BEGIN');
            } else {
                $this->pdo->exec('SAVEPOINT TRANS' . $this->transactionLevel);
            }
            $this->transactionLevel++;
        }

        public function Commit(): void
        {
            $this->transactionLevel--;
            if ($this->transactionLevel === 0) {
                $this->pdo->exec('COMMIT');
            } else {
                $this->pdo->exec('RELEASE SAVEPOINT TRANS' . $this->transactionLevel);
            }
        }

        public function Rollback(): void
        {
            $this->transactionLevel--;
            if ($this->transactionLevel === 0) {
                $this->pdo->exec('ROLLBACK');
            } else {
                $this->pdo->exec('ROLLBACK TO SAVEPOINT TRANS' . $this->transactionLevel);
            }
        }
    }

    final class CIBlockElement
    {
        public string $LAST_ERROR = '';

        /**
         * @param array<string, mixed> $arFields IBLOCK_ID, NAME, ACTIVE, WF_PARENT_ELEMENT_ID, TYPE, IMAGE
         */
        public function Add(array $arFields): int|false
        {
            $db = StandIn::db();
            $id = false;
            if (trim((string) ($arFields['NAME'] ?? '')) === '') {
                $this->LAST_ERROR = 'Не заполнено обязательное поле "Название".';
            } else {
                $db->Query('INSERT INTO b_iblock_element (IBLOCK_ID, NAME, ACTIVE, WF_PARENT_ELEMENT_ID, TYPE, IMAGE, DATE_CREATE) VALUES ('
                    . (int) $arFields['IBLOCK_ID'] . ", '" . $db->ForSql($arFields['NAME']) . "', '"
                    . $db->ForSql($arFields['ACTIVE'] ?? 'Y') . "', "
                    . (isset($arFields['WF_PARENT_ELEMENT_ID']) ? (int) $arFields['WF_PARENT_ELEMENT_ID'] : 'NULL') . ", '"
                    . $db->ForSql($arFields['TYPE'] ?? 'catalog') . "', '" . $db->ForSql($arFields['IMAGE'] ?? '') . "', "
                    . StandIn::now() . ')');
                $id = $db->LastID();
                $arFields['ID'] = $id;
            }
            $arFields['RESULT'] = $id;
            foreach (GetModuleEvents('iblock', 'OnAfterIBlockElementAdd', true) as $arEvent) {
                ExecuteModuleEventEx($arEvent, [&$arFields]);
            }

            return $id;
        }

        /** @param array<string, mixed> $arFields only what changes */
        public function Update(int $ID, array $arFields): bool
        {
            $db = StandIn::db();
            $element = self::GetByID($ID)->Fetch();
            $result = false;
            if ($element === false) {
                $this->LAST_ERROR = "Элемент {$ID} не найден.";
            } elseif (array_key_exists('NAME', $arFields) && trim((string) $arFields['NAME']) === '') {
                $this->LAST_ERROR = 'Не заполнено обязательное поле "Название".';
            } else {
                $set = [];
                foreach (['NAME', 'ACTIVE', 'TYPE', 'IMAGE'] as $column) {
                    if (array_key_exists($column, $arFields)) {
                        $set[] = "{$column} = '" . $db->ForSql($arFields[$column]) . "'";
                    }
                }
                if ($set !== []) {
                    $db->Query('UPDATE b_iblock_element SET ' . implode(', ', $set) . " WHERE ID = {$ID}");
                }
                $result = true;
            }
            // Bitrix fills these in before calling the handlers.
            $arFields['ID'] = $ID;
            $arFields['IBLOCK_ID'] = $element['IBLOCK_ID'] ?? ($arFields['IBLOCK_ID'] ?? null);
            $arFields['RESULT'] = $result;
            foreach (GetModuleEvents('iblock', 'OnAfterIBlockElementUpdate', true) as $arEvent) {
                ExecuteModuleEventEx($arEvent, [&$arFields]);
            }

            return $result;
        }

        public static function Delete(int $ID): bool
        {
            $db = StandIn::db();
            $element = self::GetByID($ID)->Fetch();
            if ($element === false) {
                return false;
            }
            $db->Query("DELETE FROM b_catalog_price WHERE PRODUCT_ID = {$ID}");
            $db->Query("DELETE FROM b_catalog_product WHERE ID = {$ID}");
            $db->Query("DELETE FROM b_iblock_element WHERE ID = {$ID}");
            foreach (GetModuleEvents('iblock', 'OnAfterIBlockElementDelete', true) as $arEvent) {
                ExecuteModuleEventEx($arEvent, [$element]);
            }

            return true;
        }

        public static function GetByID(int $ID): CDBResult
        {
            return StandIn::db()->Query('SELECT * FROM b_iblock_element WHERE ID = ' . (int) $ID);
        }

        public static function GetIBlockByID(int $ID): int|false
        {
            $row = self::GetByID($ID)->Fetch();

            return $row === false ? false : (int) $row['IBLOCK_ID'];
        }
    }

    final class CAgent
    {
        public static function AddAgent(string $name, string $module = '', string $period = 'N', int $interval = 86400, string $datecheck = '', string $active = 'Y', string $next_exec = '', int $sort = 100): int
        {
            $db = StandIn::db();
            $db->Query("INSERT INTO b_agent (NAME, MODULE_ID, IS_PERIOD, AGENT_INTERVAL, ACTIVE, NEXT_EXEC) VALUES ('"
                . $db->ForSql($name) . "', '" . $db->ForSql($module) . "', '" . $db->ForSql($period) . "', {$interval}, '"
                . $db->ForSql($active) . "', " . StandIn::now() . ')');

            return $db->LastID();
        }

        /**
         * @param array<string, string> $arOrder
         * @param array<string, mixed> $arFilter only NAME
         */
        public static function GetList(array $arOrder = [], array $arFilter = []): CDBResult
        {
            $db = StandIn::db();
            $where = isset($arFilter['NAME']) ? "NAME = '" . $db->ForSql($arFilter['NAME']) . "'" : '1 = 1';

            return $db->Query("SELECT * FROM b_agent WHERE {$where} ORDER BY ID");
        }

        /** Run due agents, as cron_events.php does; an agent returning '' is removed. */
        public static function CheckAgents(): int
        {
            $db = StandIn::db();
            $now = StandIn::now();
            $ran = 0;
            $due = $db->Query("SELECT * FROM b_agent WHERE ACTIVE = 'Y' AND NEXT_EXEC <= {$now} ORDER BY ID");
            $agents = [];
            while ($row = $due->Fetch()) {
                $agents[] = $row;
            }
            foreach ($agents as $agent) {
                $eval_result = '';
                eval('$eval_result = ' . $agent['NAME']);
                $ran++;
                if (!is_string($eval_result) || $eval_result === '') {
                    $db->Query('DELETE FROM b_agent WHERE ID = ' . (int) $agent['ID']);
                    continue;
                }
                $db->Query("UPDATE b_agent SET NAME = '" . $db->ForSql($eval_result) . "', NEXT_EXEC = "
                    . (StandIn::now() + (int) $agent['AGENT_INTERVAL']) . ', LAST_EXEC = ' . StandIn::now()
                    . ' WHERE ID = ' . (int) $agent['ID']);
            }

            return $ran;
        }
    }

    /** The stand-in's own set-up: its schema and the global $DB. */
    final class StandIn
    {
        /** @var list<string> what AddMessage2Log wrote */
        public static array $log = [];

        /** @var (\Closure(): int)|null frozen time for tests */
        public static ?\Closure $clock = null;

        public static function db(): CDatabase
        {
            return $GLOBALS['DB'];
        }

        public static function now(): int
        {
            return self::$clock !== null ? (self::$clock)() : time();
        }

        /** Open (and create) the site's database and make it $DB. */
        public static function boot(string $path): CDatabase
        {
            $db = new CDatabase($path);
            $GLOBALS['DB'] = $db;
            foreach ([
                'CREATE TABLE IF NOT EXISTS b_iblock_element (ID INTEGER PRIMARY KEY AUTOINCREMENT, IBLOCK_ID INTEGER NOT NULL,'
                    . " NAME TEXT NOT NULL, ACTIVE CHAR(1) NOT NULL DEFAULT 'Y', WF_PARENT_ELEMENT_ID INTEGER NULL,"
                    . " TYPE TEXT NOT NULL DEFAULT 'catalog', IMAGE TEXT NOT NULL DEFAULT '', DATE_CREATE INTEGER NOT NULL)",
                'CREATE TABLE IF NOT EXISTS b_catalog_price (ID INTEGER PRIMARY KEY AUTOINCREMENT, PRODUCT_ID INTEGER NOT NULL,'
                    . " PRICE REAL NOT NULL, CURRENCY CHAR(3) NOT NULL DEFAULT 'KZT')",
                "CREATE TABLE IF NOT EXISTS b_catalog_product (ID INTEGER PRIMARY KEY, AVAILABLE CHAR(1) NOT NULL DEFAULT 'Y', QUANTITY INTEGER NOT NULL DEFAULT 0)",
                'CREATE TABLE IF NOT EXISTS b_agent (ID INTEGER PRIMARY KEY AUTOINCREMENT, NAME TEXT NOT NULL, MODULE_ID TEXT,'
                    . " IS_PERIOD CHAR(1) NOT NULL DEFAULT 'N', AGENT_INTERVAL INTEGER NOT NULL, ACTIVE CHAR(1) NOT NULL DEFAULT 'Y',"
                    . ' NEXT_EXEC INTEGER NOT NULL, LAST_EXEC INTEGER NULL)',
            ] as $ddl) {
                $db->Query($ddl);
            }

            return $db;
        }
    }
}
