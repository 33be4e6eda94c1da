<?php

/*
 * A stand-in for the `main` module of 1C-Bitrix: the kernel pieces a module uses, with the same
 * signatures and return shapes as Bitrix documents them (dev.1c-bitrix.ru), over PDO.
 *
 * Faithful where Vitrina's module depends on it: Loader (includeModule, registerAutoLoadClasses),
 * ModuleManager, Config\Option (with the module's default_option.php), EventManager (persistent
 * handlers in b_module_to_module that include the module before running, and runtime ones),
 * Application::getConnection() (query/queryExecute/getAffectedRowsCount, SqlHelper::forSql,
 * nested transactions), ORM DataManager (getMap fields, createDbTable, add/update/delete/getList
 * with Bitrix's filter operators, OnAfterAdd/Update/Delete events), Web\HttpClient over PHP
 * streams, Localization\Loc (lang/<LANGUAGE_ID>/ mirror files, #MACRO# replacement), CAgent with
 * the cron runner's semantics, CEventLog, and the admin page helpers options.php calls.
 * On MariaDB (VITRINA_STANDIN_MYSQL) or SQLite; see DB\Connection for what each refuses.
 * Not a Bitrix: no cache, no permissions model beyond GetGroupRight = 'W'.
 */

declare(strict_types=1);

namespace Bitrix\Main\DB {

    class SqlQueryException extends \RuntimeException
    {
    }

    final class Result
    {
        public function __construct(private readonly \PDOStatement $statement)
        {
        }

        /** @return array<string, mixed>|false */
        public function fetch(): array|false
        {
            return $this->statement->fetch(\PDO::FETCH_ASSOC);
        }

        /** @return list<array<string, mixed>> */
        public function fetchAll(): array
        {
            return $this->statement->fetchAll(\PDO::FETCH_ASSOC);
        }

        public function getSelectedRowsCount(): int
        {
            return $this->statement->rowCount();
        }
    }

    final class SqlHelper
    {
        public function __construct(private readonly ?\PDO $mysql = null)
        {
        }

        /** Escaped for a quoted literal: like mysqli_real_escape_string on MySQL (backslashes too). */
        public function forSql(mixed $value, int $maxLength = 0): string
        {
            $value = str_replace("\0", '', (string) $value);
            if ($maxLength > 0) {
                $value = substr($value, 0, $maxLength);
            }
            if ($this->mysql !== null) {
                return substr((string) $this->mysql->quote($value), 1, -1);
            }

            return str_replace("'", "''", $value);
        }

        public function quote(string $identifier): string
        {
            $q = $this->mysql !== null ? '`' : '"';

            return $q . str_replace(['"', '`'], '', $identifier) . $q;
        }
    }

    /**
     * What Application::getConnection() returns: a MysqliConnection on a real site.
     *
     * Two back ends. MariaDB (VITRINA_STANDIN_MYSQL = the server's socket) is the real thing: each
     * site path gets its own database, values come back as strings as from mysqli, sql_mode is
     * Bitrix's empty one, and MySQL's own parser refuses what it refuses (`IN ()`). SQLite (the
     * quick local mode) refuses `IN ()` itself with MySQL's message, so a module cannot lean on
     * SQLite's leniency there either.
     */
    final class Connection
    {
        public readonly \PDO $pdo;
        private int $affected = 0;
        private int $level = 0;
        private readonly bool $mysql;
        /** @var int queries run, for the benchmark's queries-per-product */
        public int $queries = 0;

        public function __construct(string $path)
        {
            $socket = (string) getenv('VITRINA_STANDIN_MYSQL');
            $this->mysql = $socket !== '';
            if ($this->mysql) {
                // Strings, as mysqli gives Bitrix every value.
                $this->pdo = new \PDO("mysql:unix_socket={$socket};charset=utf8mb4", 'root', '', [\PDO::ATTR_ERRMODE => \PDO::ERRMODE_EXCEPTION, \PDO::ATTR_STRINGIFY_FETCHES => true]);
                $name = self::databaseName($path);
                $this->pdo->exec("CREATE DATABASE IF NOT EXISTS {$name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
                $this->pdo->exec("USE {$name}");
                $this->pdo->exec("SET sql_mode = ''"); // what Bitrix's after_connect sets
                return;
            }
            $this->pdo = new \PDO('sqlite:' . $path, null, null, [\PDO::ATTR_ERRMODE => \PDO::ERRMODE_EXCEPTION, \PDO::ATTR_TIMEOUT => 10]);
            $this->pdo->exec('PRAGMA journal_mode = WAL');
            $this->pdo->exec('PRAGMA synchronous = NORMAL'); // WAL's usual pairing: an fsync per checkpoint, not per statement
        }

        /** One MariaDB database per site path (the stand-in's SQLite file name). */
        public static function databaseName(string $path): string
        {
            $dir = realpath(\dirname($path));

            return 'standin_' . substr(sha1(($dir === false ? \dirname($path) : $dir) . '/' . basename($path)), 0, 20);
        }

        public function getType(): string
        {
            return $this->mysql ? 'mysql' : 'sqlite';
        }

        public function query(string $sql): Result
        {
            $this->queries++;
            if (!$this->mysql && preg_match('/\bIN\s*\(\s*\)/i', $sql)) {
                // MySQL's answer to an empty list, which SQLite would accept.
                throw new SqlQueryException("You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near ')' in: {$sql}");
            }
            try {
                $statement = $this->pdo->query($sql);
            } catch (\PDOException $e) {
                throw new SqlQueryException($e->getMessage() . " in: {$sql}", 0, $e);
            }
            $this->affected = $statement->rowCount();

            return new Result($statement);
        }

        public function queryExecute(string $sql): void
        {
            $this->query($sql);
        }

        /**
         * @internal stand-in: its own set-up SQL, written for SQLite, in this connection's dialect
         * (the module's SQL never goes through here: it must run on MySQL as written).
         */
        public function standin(string $sql): void
        {
            if ($this->mysql) {
                $sql = (string) preg_replace(['/^\s*INSERT OR REPLACE/i', '/^\s*INSERT OR IGNORE/i', '/\bAUTOINCREMENT\b/'], ['REPLACE', 'INSERT IGNORE', 'AUTO_INCREMENT'], $sql);
            }
            $this->queryExecute($sql);
        }

        public function getAffectedRowsCount(): int
        {
            return $this->affected;
        }

        public function getInsertedId(): int
        {
            return (int) $this->pdo->lastInsertId();
        }

        public function getSqlHelper(): SqlHelper
        {
            return new SqlHelper($this->mysql ? $this->pdo : null);
        }

        public function isTableExists(string $table): bool
        {
            $name = $this->getSqlHelper()->forSql($table);

            return $this->query($this->mysql
                ? "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{$name}'"
                : "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '{$name}'")->fetch() !== false;
        }

        /** @param list<string> $columns */
        public function createIndex(string $table, string $name, array $columns): void
        {
            $this->queryExecute("CREATE INDEX IF NOT EXISTS {$name} ON {$table} (" . implode(', ', $columns) . ')');
        }

        public function dropTable(string $table): void
        {
            $this->queryExecute('DROP TABLE ' . $this->getSqlHelper()->quote($table));
        }

        public function startTransaction(): void
        {
            $this->pdo->exec($this->level === 0 ? 'BEGIN' : 'SAVEPOINT TRANS' . $this->level);
            $this->level++;
        }

        public function commitTransaction(): void
        {
            $this->level--;
            $this->pdo->exec($this->level === 0 ? 'COMMIT' : 'RELEASE SAVEPOINT TRANS' . $this->level);
        }

        public function rollbackTransaction(): void
        {
            $this->level--;
            $this->pdo->exec($this->level === 0 ? 'ROLLBACK' : 'ROLLBACK TO SAVEPOINT TRANS' . $this->level);
        }
    }
}

namespace Bitrix\Main {

    /** The request as Bitrix wraps it: get() reads query then post, getPost() only the form. */
    final class HttpRequest
    {
        public function get(string $name): mixed
        {
            return $_GET[$name] ?? $_POST[$name] ?? null;
        }

        public function getQuery(string $name): mixed
        {
            return $_GET[$name] ?? null;
        }

        public function getPost(string $name): mixed
        {
            return $_POST[$name] ?? null;
        }

        public function isPost(): bool
        {
            return ($_SERVER['REQUEST_METHOD'] ?? 'GET') === 'POST';
        }
    }

    final class Context
    {
        public function getRequest(): HttpRequest
        {
            return new HttpRequest();
        }
    }

    final class Application
    {
        private static ?DB\Connection $connection = null;

        public static function getInstance(): self
        {
            return new self();
        }

        public function getContext(): Context
        {
            return new Context();
        }

        public static function getConnection(): DB\Connection
        {
            return self::$connection ?? throw new \LogicException('stand-in: StandIn::boot() first');
        }

        /** @internal stand-in */
        public static function setConnection(?DB\Connection $connection): void
        {
            self::$connection = $connection;
        }

        public static function getDocumentRoot(): string
        {
            return (string) $_SERVER['DOCUMENT_ROOT'];
        }

        /** The site's charset: UTF-8 unless STANDIN_CHARSET says windows-1251 (an old Russian site). */
        public static function isUtfMode(): bool
        {
            return strtolower((string) (getenv('STANDIN_CHARSET') ?: \StandIn::$charset)) !== 'windows-1251';
        }
    }

    final class Loader
    {
        /** @var array<string, bool> */
        private static array $included = [];
        /** @var array<string, string> lower-case class => file */
        private static array $classes = [];
        private static bool $registered = false;

        public static function includeModule(string $moduleName): bool
        {
            if (isset(self::$included[$moduleName])) {
                return true;
            }
            if (\in_array($moduleName, ['main', 'iblock', 'catalog', 'currency'], true)) {
                return self::$included[$moduleName] = true;
            }
            if (!ModuleManager::isModuleInstalled($moduleName)) {
                return false;
            }
            $dir = self::getLocal('modules/' . $moduleName);
            if ($dir === false || !is_file($dir . '/include.php')) {
                return false;
            }
            self::$included[$moduleName] = true;
            include_once $dir . '/include.php';

            return true;
        }

        /** "local/<path>" when it exists, else "bitrix/<path>" — like Bitrix, false when neither. */
        public static function getLocal(string $path, ?string $root = null): string|false
        {
            $root ??= Application::getDocumentRoot();
            foreach (['/local/', '/bitrix/'] as $base) {
                if (file_exists($root . $base . $path)) {
                    return $root . $base . $path;
                }
            }

            return false;
        }

        /** @param array<string, string> $classes class => path relative to the module's folder */
        public static function registerAutoLoadClasses(?string $moduleName, array $classes): void
        {
            $dir = $moduleName === null ? Application::getDocumentRoot() : self::getLocal('modules/' . $moduleName);
            foreach ($classes as $class => $file) {
                self::$classes[strtolower(ltrim($class, '\\'))] = $dir . '/' . ltrim($file, '/');
            }
            if (!self::$registered) {
                self::$registered = true;
                spl_autoload_register(static function (string $class): void {
                    $file = self::$classes[strtolower(ltrim($class, '\\'))] ?? null;
                    if ($file !== null) {
                        require_once $file;
                    }
                });
            }
        }

        /** @internal stand-in: a new "hit" */
        public static function reset(): void
        {
            self::$included = [];
        }
    }

    final class ModuleManager
    {
        public static function registerModule(string $moduleName): void
        {
            $db = Application::getConnection();
            $db->standin("INSERT OR IGNORE INTO b_module (ID, DATE_ACTIVE) VALUES ('" . $db->getSqlHelper()->forSql($moduleName) . "', " . time() . ')');
        }

        public static function unRegisterModule(string $moduleName): void
        {
            $db = Application::getConnection();
            $db->queryExecute("DELETE FROM b_module WHERE ID = '" . $db->getSqlHelper()->forSql($moduleName) . "'");
            // Like Bitrix: the module's agents go with it; its options stay (a module removes them
            // with Option::delete in its UnInstallDB) and its handlers are its own job.
            $db->queryExecute("DELETE FROM b_agent WHERE MODULE_ID = '" . $db->getSqlHelper()->forSql($moduleName) . "'");
        }

        public static function isModuleInstalled(string $moduleName): bool
        {
            $db = Application::getConnection();

            return $db->query("SELECT ID FROM b_module WHERE ID = '" . $db->getSqlHelper()->forSql($moduleName) . "'")->fetch() !== false;
        }
    }

    class Event
    {
        /** @param array<string, mixed> $parameters */
        public function __construct(protected string $moduleId, protected string $type, protected array $parameters = [])
        {
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

        public function getEventType(): string
        {
            return $this->type;
        }

        /** VERSION 2 handlers get this Event; "compatible" ones its parameters as arguments. */
        public function send(): void
        {
            foreach (EventManager::getInstance()->findEventHandlers($this->moduleId, $this->type) as $handler) {
                ExecuteModuleEventEx($handler, ($handler['VERSION'] ?? 1) >= 2 ? [$this] : array_values($this->parameters));
            }
        }
    }

    final class EventManager
    {
        private static ?self $instance = null;
        /** @var array<string, list<array<string, mixed>>> */
        private array $runtime = [];

        public static function getInstance(): self
        {
            return self::$instance ??= new self();
        }

        /** @internal stand-in: a new "hit" forgets runtime handlers */
        public static function reset(): void
        {
            self::$instance = null;
        }

        public function addEventHandler(string $fromModuleId, string $eventType, callable|array $callback, bool|string $includeFile = false, int $sort = 100): int
        {
            return $this->addRuntime($fromModuleId, $eventType, $callback, $sort, 2);
        }

        public function addEventHandlerCompatible(string $fromModuleId, string $eventType, callable|array $callback, bool|string $includeFile = false, int $sort = 100): int
        {
            return $this->addRuntime($fromModuleId, $eventType, $callback, $sort, 1);
        }

        private function addRuntime(string $fromModuleId, string $eventType, callable|array $callback, int $sort, int $version): int
        {
            $this->runtime[strtolower("{$fromModuleId}:{$eventType}")][] = ['CALLBACK' => $callback, 'SORT' => $sort, 'TO_MODULE_ID' => '', 'VERSION' => $version];

            return \count($this->runtime[strtolower("{$fromModuleId}:{$eventType}")]);
        }

        /**
         * Persistent: stored in b_module_to_module, survives every hit, as DoInstall uses it.
         * VERSION 2: a D7 event hands the handler its Event object.
         */
        public function registerEventHandler(string $fromModuleId, string $eventType, string $toModuleId, string $toClass = '', string $toMethod = '', int $sort = 100, string $toPath = '', array $toMethodArg = []): void
        {
            $this->register($fromModuleId, $eventType, $toModuleId, $toClass, $toMethod, $sort, 2);
        }

        /** VERSION 1 ("compatible"): a D7 event hands the handler its parameters as arguments. */
        public function registerEventHandlerCompatible(string $fromModuleId, string $eventType, string $toModuleId, string $toClass = '', string $toMethod = '', int $sort = 100, string $toPath = '', array $toMethodArg = []): void
        {
            $this->register($fromModuleId, $eventType, $toModuleId, $toClass, $toMethod, $sort, 1);
        }

        private function register(string $fromModuleId, string $eventType, string $toModuleId, string $toClass, string $toMethod, int $sort, int $version): void
        {
            $this->unRegisterEventHandler($fromModuleId, $eventType, $toModuleId, $toClass, $toMethod);
            $db = Application::getConnection();
            $h = $db->getSqlHelper();
            $db->queryExecute("INSERT INTO b_module_to_module (FROM_MODULE_ID, MESSAGE_ID, TO_MODULE_ID, TO_CLASS, TO_METHOD, SORT, VERSION) VALUES ('"
                . $h->forSql($fromModuleId) . "', '" . $h->forSql($eventType) . "', '" . $h->forSql($toModuleId) . "', '"
                . $h->forSql($toClass) . "', '" . $h->forSql($toMethod) . "', {$sort}, {$version})");
        }

        public function unRegisterEventHandler(string $fromModuleId, string $eventType, string $toModuleId, string $toClass = '', string $toMethod = '', string $toPath = '', array $toMethodArg = []): void
        {
            $db = Application::getConnection();
            $h = $db->getSqlHelper();
            $db->queryExecute("DELETE FROM b_module_to_module WHERE FROM_MODULE_ID = '" . $h->forSql($fromModuleId) . "' AND MESSAGE_ID = '"
                . $h->forSql($eventType) . "' AND TO_MODULE_ID = '" . $h->forSql($toModuleId) . "' AND TO_CLASS = '" . $h->forSql($toClass)
                . "' AND TO_METHOD = '" . $h->forSql($toMethod) . "'");
        }

        /** @return list<array<string, mixed>> persistent handlers first, by SORT, then runtime ones */
        public function findEventHandlers(string $eventModuleId, string $eventType): array
        {
            $db = Application::getConnection();
            $h = $db->getSqlHelper();
            $rows = $db->query("SELECT * FROM b_module_to_module WHERE lower(FROM_MODULE_ID) = lower('" . $h->forSql($eventModuleId)
                . "') AND lower(MESSAGE_ID) = lower('" . $h->forSql($eventType) . "') ORDER BY SORT, ID")->fetchAll();
            $handlers = [];
            foreach ($rows as $row) {
                $handlers[] = ['TO_MODULE_ID' => $row['TO_MODULE_ID'], 'CALLBACK' => [$row['TO_CLASS'], $row['TO_METHOD']], 'SORT' => (int) $row['SORT'], 'VERSION' => (int) $row['VERSION']];
            }

            return array_merge($handlers, $this->runtime[strtolower("{$eventModuleId}:{$eventType}")] ?? []);
        }
    }
}

namespace Bitrix\Main\Config {

    use Bitrix\Main\Application;
    use Bitrix\Main\Loader;

    final class Option
    {
        /** Like Bitrix: the stored value, else the module's default_option.php, else $default. */
        public static function get(string $moduleId, string $name, string $default = '', string|false $siteId = false): string
        {
            $db = Application::getConnection();
            $h = $db->getSqlHelper();
            $row = $db->query("SELECT VALUE FROM b_option WHERE MODULE_ID = '" . $h->forSql($moduleId) . "' AND NAME = '" . $h->forSql($name) . "'")->fetch();
            if ($row !== false) {
                return (string) $row['VALUE'];
            }
            $defaults = self::getDefaults($moduleId);

            return isset($defaults[$name]) ? (string) $defaults[$name] : $default;
        }

        public static function set(string $moduleId, string $name, string $value = '', string $siteId = ''): void
        {
            $db = Application::getConnection();
            $h = $db->getSqlHelper();
            $db->standin("INSERT OR REPLACE INTO b_option (MODULE_ID, NAME, VALUE) VALUES ('" . $h->forSql($moduleId) . "', '" . $h->forSql($name) . "', '" . $h->forSql($value) . "')");
        }

        /** @param array{name?: string} $filter */
        public static function delete(string $moduleId, array $filter = []): void
        {
            $db = Application::getConnection();
            $h = $db->getSqlHelper();
            $where = "MODULE_ID = '" . $h->forSql($moduleId) . "'";
            if (isset($filter['name'])) {
                $where .= " AND NAME = '" . $h->forSql($filter['name']) . "'";
            }
            $db->queryExecute("DELETE FROM b_option WHERE {$where}");
        }

        /** @return array<string, mixed> */
        public static function getDefaults(string $moduleId): array
        {
            $file = Loader::getLocal("modules/{$moduleId}/default_option.php");
            if ($file === false) {
                return [];
            }
            $var = str_replace('.', '_', $moduleId) . '_default_option';
            $$var = [];
            include $file;

            return \is_array($$var) ? $$var : [];
        }
    }
}

namespace Bitrix\Main\Localization {

    final class Loc
    {
        /** @var array<string, string> */
        private static array $messages = [];

        /** Load lang/<LANGUAGE_ID>/<same path> of the module that $file belongs to. */
        public static function loadMessages(string $file): void
        {
            $file = str_replace('\\', '/', $file);
            if (!preg_match('#^(.*/modules/[^/]+)/(.*)$#', $file, $m)) {
                return;
            }
            $langFile = $m[1] . '/lang/' . self::getCurrentLang() . '/' . $m[2];
            if (is_file($langFile)) {
                $MESS = [];
                include $langFile;
                self::$messages = $MESS + self::$messages;
            }
        }

        /** @param array<string, string>|null $replace ['#NAME#' => value] */
        public static function getMessage(string $code, ?array $replace = null, ?string $language = null): ?string
        {
            $message = self::$messages[$code] ?? null;
            if ($message !== null && $replace !== null) {
                $message = strtr($message, $replace);
            }

            return $message;
        }

        public static function getCurrentLang(): string
        {
            return \defined('LANGUAGE_ID') ? LANGUAGE_ID : 'ru';
        }
    }
}

namespace Bitrix\Main\Page {

    /** What a page collects for <head>; the stand-in's router prints it. */
    final class Asset
    {
        private static ?self $instance = null;
        /** @var list<string> */
        public array $strings = [];

        public static function getInstance(): self
        {
            return self::$instance ??= new self();
        }

        public function addString(string $str, bool $unique = false, string $location = 'DEFAULT'): bool
        {
            if (!$unique || !\in_array($str, $this->strings, true)) {
                $this->strings[] = $str;
            }

            return true;
        }
    }
}

namespace Bitrix\Main\Web {

    final class HttpHeaders
    {
        /** @param array<string, list<string>> $headers lower-case name => values */
        public function __construct(private readonly array $headers = [])
        {
        }

        public function get(string $name, bool $returnArray = false): string|array|null
        {
            $values = $this->headers[strtolower($name)] ?? null;
            if ($values === null) {
                return null;
            }

            return $returnArray ? $values : $values[0];
        }
    }

    /** Bitrix\Main\Web\HttpClient over PHP streams: same methods, same results. */
    final class HttpClient
    {
        private float $socketTimeout = 30;
        private float $streamTimeout = 60;
        /** @var array<string, string> */
        private array $requestHeaders = [];
        private int $status = 0;
        private string $result = '';
        private HttpHeaders $headers;
        /** @var array<string, string> */
        private array $error = [];

        /** @param array<string, mixed> $options socketTimeout, streamTimeout, ... */
        public function __construct(?array $options = null)
        {
            $this->socketTimeout = (float) ($options['socketTimeout'] ?? 30);
            $this->streamTimeout = (float) ($options['streamTimeout'] ?? 60);
            $this->headers = new HttpHeaders();
        }

        public function setHeader(string $name, string $value, bool $replace = true): self
        {
            if ($replace || !isset($this->requestHeaders[$name])) {
                $this->requestHeaders[$name] = $value;
            }

            return $this;
        }

        public function get(string $url): string|false
        {
            return $this->query('GET', $url) ? $this->result : false;
        }

        public function post(string $url, string|array|null $postData = null, bool $multipart = false): string|false
        {
            if (\is_array($postData)) {
                $postData = http_build_query($postData);
                $this->setHeader('Content-Type', 'application/x-www-form-urlencoded', false);
            }

            return $this->query('POST', $url, $postData) ? $this->result : false;
        }

        /** false when no answer came (then getError() says why); an HTTP error status is an answer. */
        public function query(string $method, string $url, ?string $entityBody = null): bool
        {
            $this->status = 0;
            $this->result = '';
            $this->error = [];
            $this->headers = new HttpHeaders();
            $lines = [];
            foreach ($this->requestHeaders as $name => $value) {
                $lines[] = "{$name}: {$value}";
            }
            $lines[] = 'Connection: close';
            $context = stream_context_create(['http' => [
                'method' => $method,
                'header' => implode("\r\n", $lines),
                'content' => $entityBody ?? '',
                'timeout' => $this->streamTimeout,
                'ignore_errors' => true,
                'follow_location' => 0,
                'protocol_version' => 1.1,
            ]]);
            $previous = ini_set('default_socket_timeout', (string) $this->socketTimeout);
            $body = @file_get_contents($url, false, $context);
            ini_set('default_socket_timeout', (string) $previous);
            $responseHeaders = $http_response_header ?? [];
            if ($body === false || $responseHeaders === []) {
                $this->error = ['SOCKET' => error_get_last()['message'] ?? "no answer from {$url}"];
                return false;
            }
            $parsed = [];
            foreach ($responseHeaders as $i => $line) {
                if ($i === 0 || str_starts_with($line, 'HTTP/')) {
                    $this->status = (int) (explode(' ', $line)[1] ?? 0);
                    $parsed = [];
                    continue;
                }
                [$name, $value] = array_map('trim', explode(':', $line, 2)) + [1 => ''];
                $parsed[strtolower($name)][] = $value;
            }
            $this->headers = new HttpHeaders($parsed);
            $this->result = $body;

            return true;
        }

        public function getStatus(): int
        {
            return $this->status;
        }

        public function getResult(): string
        {
            return $this->result;
        }

        public function getHeaders(): HttpHeaders
        {
            return $this->headers;
        }

        /** @return array<string, string> */
        public function getError(): array
        {
            return $this->error;
        }
    }
}

namespace Bitrix\Main\ORM\Fields {

    abstract class ScalarField
    {
        /** @param array<string, mixed> $parameters primary, autocomplete, required, default_value */
        public function __construct(public readonly string $name, public readonly array $parameters = [])
        {
        }

        public function getName(): string
        {
            return $this->name;
        }

        public function isPrimary(): bool
        {
            return (bool) ($this->parameters['primary'] ?? false);
        }

        abstract public function sqlType(): string;
    }

    class IntegerField extends ScalarField
    {
        /** 'size' => 8 is a BIGINT, as in Bitrix's MysqlSqlHelper (SQLite's INTEGER is 64-bit anyway). */
        public function sqlType(): string
        {
            return (int) ($this->parameters['size'] ?? 4) === 8 ? 'BIGINT' : 'INTEGER';
        }
    }

    class FloatField extends ScalarField
    {
        public function sqlType(): string
        {
            return 'REAL';
        }
    }

    class StringField extends ScalarField
    {
        public function sqlType(): string
        {
            return 'VARCHAR(' . (int) ($this->parameters['size'] ?? 255) . ')';
        }
    }

    class TextField extends ScalarField
    {
        public function sqlType(): string
        {
            return 'TEXT';
        }
    }
}

namespace Bitrix\Main\ORM {

    class Event extends \Bitrix\Main\Event
    {
    }

    class Entity
    {
        /** @param class-string<Data\DataManager> $dataClass */
        public function __construct(private readonly string $dataClass)
        {
        }

        public function getDBTableName(): string
        {
            return ($this->dataClass)::getTableName();
        }

        /** CREATE TABLE from getMap(), as Bitrix does for the connection's dialect. */
        public function createDbTable(): void
        {
            $columns = [];
            $mysql = \Bitrix\Main\Application::getConnection()->getType() === 'mysql';
            foreach (($this->dataClass)::getMap() as $field) {
                $column = $field->getName() . ' ' . $field->sqlType();
                if ($field->isPrimary()) {
                    $auto = $field->parameters['autocomplete'] ?? false;
                    $column = $field->getName() . ($mysql ? ' ' . $field->sqlType() . ' NOT NULL' . ($auto ? ' AUTO_INCREMENT' : '') . ' PRIMARY KEY' : ' ' . $field->sqlType() . ' PRIMARY KEY' . ($auto ? ' AUTOINCREMENT' : ''));
                } elseif ($field->parameters['required'] ?? false) {
                    $column .= ' NOT NULL';
                }
                $columns[] = $column;
            }
            \Bitrix\Main\Application::getConnection()->queryExecute('CREATE TABLE ' . $this->getDBTableName() . ' (' . implode(', ', $columns) . ')');
        }
    }
}

namespace Bitrix\Main\ORM\Data {

    use Bitrix\Main\Application;

    class Result
    {
        /** @var list<string> */
        protected array $errors = [];
        protected mixed $id = null;

        public function isSuccess(): bool
        {
            return $this->errors === [];
        }

        /** @return list<string> */
        public function getErrorMessages(): array
        {
            return $this->errors;
        }

        public function getId(): mixed
        {
            return $this->id;
        }

        /** @internal */
        public function setId(mixed $id): void
        {
            $this->id = $id;
        }

        /** @internal */
        public function addError(string $message): void
        {
            $this->errors[] = $message;
        }
    }

    final class AddResult extends Result
    {
    }

    final class UpdateResult extends Result
    {
    }

    final class DeleteResult extends Result
    {
    }

    /** A subset of Bitrix's ORM: enough for a module's own table and the catalog tables. */
    abstract class DataManager
    {
        abstract public static function getTableName(): string;

        /** @return list<\Bitrix\Main\ORM\Fields\ScalarField> */
        abstract public static function getMap(): array;

        public static function getEntity(): \Bitrix\Main\ORM\Entity
        {
            return new \Bitrix\Main\ORM\Entity(static::class);
        }

        /**
         * @param array{select?: list<string>, filter?: array<string, mixed>, order?: array<string, string>, limit?: int, offset?: int} $parameters
         */
        public static function getList(array $parameters = []): \Bitrix\Main\DB\Result
        {
            $select = $parameters['select'] ?? ['*'];
            $columns = $select === ['*'] ? '*' : implode(', ', array_map(static fn (string $c): string => self::column($c), $select));
            $sql = "SELECT {$columns} FROM " . static::getTableName() . ' WHERE ' . self::where($parameters['filter'] ?? []);
            if (!empty($parameters['order'])) {
                $sql .= ' ORDER BY ' . implode(', ', array_map(static fn ($c, $d): string => self::column((string) $c) . ' ' . (strtoupper((string) $d) === 'DESC' ? 'DESC' : 'ASC'), array_keys($parameters['order']), $parameters['order']));
            }
            if (isset($parameters['limit'])) {
                $sql .= ' LIMIT ' . (int) $parameters['limit'] . ' OFFSET ' . (int) ($parameters['offset'] ?? 0);
            }

            return Application::getConnection()->query($sql);
        }

        /** @param array<string, mixed> $filter */
        public static function getCount(array $filter = []): int
        {
            return (int) Application::getConnection()->query('SELECT COUNT(*) AS C FROM ' . static::getTableName() . ' WHERE ' . self::where($filter))->fetch()['C'];
        }

        /** Like Bitrix: a query result (fetch() gives the row or false), not the row itself. */
        public static function getById(mixed $id): \Bitrix\Main\DB\Result
        {
            return static::getList(['filter' => ['=' . self::primaryName() => $id]]);
        }

        /** @param array<string, mixed> $data */
        public static function add(array $data): AddResult
        {
            $db = Application::getConnection();
            $db->queryExecute('INSERT INTO ' . static::getTableName() . ' (' . implode(', ', array_map(self::column(...), array_keys($data)))
                . ') VALUES (' . implode(', ', array_map(self::value(...), $data)) . ')');
            $result = new AddResult();
            $id = \array_key_exists(self::primaryName(), $data) ? $data[self::primaryName()] : $db->getInsertedId();
            $result->setId($id);
            static::event('OnAfterAdd', ['id' => $id, 'primary' => [self::primaryName() => $id], 'fields' => $data]);

            return $result;
        }

        /** @param array<string, mixed> $data only the changed fields */
        public static function update(mixed $primary, array $data): UpdateResult
        {
            $id = \is_array($primary) ? reset($primary) : $primary;
            $set = [];
            foreach ($data as $column => $value) {
                $set[] = self::column($column) . ' = ' . self::value($value);
            }
            if ($set !== []) {
                Application::getConnection()->queryExecute('UPDATE ' . static::getTableName() . ' SET ' . implode(', ', $set)
                    . ' WHERE ' . self::primaryName() . ' = ' . self::value($id));
            }
            $result = new UpdateResult();
            $result->setId($id);
            static::event('OnAfterUpdate', ['id' => [self::primaryName() => $id], 'primary' => [self::primaryName() => $id], 'fields' => $data]);

            return $result;
        }

        public static function delete(mixed $primary): DeleteResult
        {
            $id = \is_array($primary) ? reset($primary) : $primary;
            static::event('OnBeforeDelete', ['id' => [self::primaryName() => $id], 'primary' => [self::primaryName() => $id]]);
            Application::getConnection()->queryExecute('DELETE FROM ' . static::getTableName() . ' WHERE ' . self::primaryName() . ' = ' . self::value($id));
            static::event('OnAfterDelete', ['id' => [self::primaryName() => $id], 'primary' => [self::primaryName() => $id]]);

            return new DeleteResult();
        }

        /** '\Vendor\Module\OutboxTable' fires '\Vendor\Module\Outbox::OnAfterAdd' from module 'vendor.module'. */
        private static function event(string $type, array $parameters): void
        {
            $class = '\\' . preg_replace('/Table$/', '', static::class);
            $parts = explode('\\', trim(static::class, '\\'));
            $module = $parts[0] === 'Bitrix' ? strtolower($parts[1]) : strtolower($parts[0] . '.' . $parts[1]);
            (new \Bitrix\Main\ORM\Event($module, "{$class}::{$type}", $parameters))->send();
        }

        private static function primaryName(): string
        {
            foreach (static::getMap() as $field) {
                if ($field->isPrimary()) {
                    return $field->getName();
                }
            }

            return 'ID';
        }

        private static function column(string $name): string
        {
            if (!preg_match('/^[A-Za-z_][A-Za-z0-9_]*$/', $name)) {
                throw new \InvalidArgumentException("stand-in ORM: unknown field {$name}");
            }

            return $name;
        }

        private static function value(mixed $value): string
        {
            return match (true) {
                $value === null => 'NULL',
                \is_int($value), \is_float($value) => (string) $value,
                \is_bool($value) => $value ? "'Y'" : "'N'",
                default => "'" . Application::getConnection()->getSqlHelper()->forSql((string) $value) . "'",
            };
        }

        /** Bitrix filter keys: '=F', '!=F', '<F', '<=F', '>F', '>=F', '@F' (IN), '!@F', plain 'F' (=). */
        private static function where(array $filter): string
        {
            $clauses = ['1 = 1'];
            foreach ($filter as $key => $value) {
                if (!preg_match('/^(=|!=|!@|@|<=|>=|<|>|!)?([A-Za-z_][A-Za-z0-9_]*)$/', (string) $key, $m)) {
                    throw new \InvalidArgumentException("stand-in ORM: filter {$key} not supported");
                }
                [$op, $column] = [$m[1] === '' ? '=' : $m[1], $m[2]];
                if ($op === '@' || $op === '!@') {
                    // As CSQLWhere: no empty check, so an empty list is `IN ()` and MySQL refuses it.
                    $clauses[] = $column . ($op === '@' ? ' IN (' : ' NOT IN (') . implode(', ', array_map(self::value(...), (array) $value)) . ')';
                } elseif ($value === [] && $op === '=') {
                    $clauses[] = '1 = 0'; // '=F' => [] is a false condition in Bitrix
                } elseif ($value === null) {
                    $clauses[] = $column . ($op === '=' ? ' IS NULL' : ' IS NOT NULL');
                } else {
                    $clauses[] = $column . ' ' . ($op === '!' ? '!=' : $op) . ' ' . self::value($value);
                }
            }

            return implode(' AND ', $clauses);
        }
    }
}

namespace {

    /** Old-style registration, as in every init.php. */
    function AddEventHandler(string $fromModuleId, string $eventType, callable|array $callback, int $sort = 100): int
    {
        return \Bitrix\Main\EventManager::getInstance()->addEventHandlerCompatible($fromModuleId, $eventType, $callback, false, $sort);
    }

    /** @return list<array<string, mixed>> */
    function GetModuleEvents(string $moduleId, string $eventType, bool $returnArray = false): array
    {
        return \Bitrix\Main\EventManager::getInstance()->findEventHandlers($moduleId, $eventType);
    }

    /** Includes the handler's module first, as Bitrix does for persistent handlers. */
    function ExecuteModuleEventEx(array $arEvent, array $arParams = []): mixed
    {
        if (($arEvent['TO_MODULE_ID'] ?? '') !== '' && !\Bitrix\Main\Loader::includeModule($arEvent['TO_MODULE_ID'])) {
            return null;
        }

        return call_user_func_array($arEvent['CALLBACK'], $arParams);
    }

    /** The admin's «Журнал событий» (b_event_log). */
    final class CEventLog
    {
        /** @param array{SEVERITY?: string, AUDIT_TYPE_ID?: string, MODULE_ID?: string, ITEM_ID?: string, DESCRIPTION?: string} $arFields */
        public static function Add(array $arFields): int|false
        {
            $db = StandIn::db();
            $h = $db->getSqlHelper();
            $values = [];
            foreach (['SEVERITY', 'AUDIT_TYPE_ID', 'MODULE_ID', 'ITEM_ID', 'DESCRIPTION'] as $key) {
                $values[] = "'" . $h->forSql((string) ($arFields[$key] ?? '')) . "'";
            }
            $db->queryExecute('INSERT INTO b_event_log (TIMESTAMP_X, SEVERITY, AUDIT_TYPE_ID, MODULE_ID, ITEM_ID, DESCRIPTION) VALUES (' . StandIn::now() . ', ' . implode(', ', $values) . ')');

            return $db->getInsertedId();
        }
    }

    function AddMessage2Log(string $text, string $module = ''): void
    {
        StandIn::$log[] = ($module !== '' ? "[{$module}] " : '') . $text;
    }

    function htmlspecialcharsbx(mixed $string, int $flags = ENT_COMPAT): string
    {
        return htmlspecialchars((string) $string, $flags, 'UTF-8');
    }

    function bitrix_sessid(): string
    {
        return StandIn::$sessid;
    }

    function check_bitrix_sessid(string $varname = 'sessid'): bool
    {
        return ($_REQUEST[$varname] ?? '') === bitrix_sessid();
    }

    function bitrix_sessid_post(string $varname = 'sessid'): string
    {
        return '<input type="hidden" name="' . $varname . '" id="' . $varname . '" value="' . bitrix_sessid() . '" />';
    }

    function ShowError(string $message): void
    {
        echo '<div class="adm-info-message-wrap adm-info-message-red"><div class="adm-info-message">' . htmlspecialcharsbx($message) . '</div></div>';
    }

    final class CAdminMessage
    {
        public static function ShowNote(string $message): void
        {
            echo '<div class="adm-info-message-wrap adm-info-message-green"><div class="adm-info-message">' . htmlspecialcharsbx($message) . '</div></div>';
        }

        /** @param string|array{MESSAGE: string, TYPE?: string, DETAILS?: string, HTML?: bool} $message */
        public static function ShowMessage(string|array $message): void
        {
            $message = \is_array($message) ? $message : ['MESSAGE' => $message, 'TYPE' => 'ERROR'];
            $color = ($message['TYPE'] ?? 'ERROR') === 'OK' ? 'green' : 'red';
            $details = ($message['DETAILS'] ?? '') !== '' ? '<br>' . (($message['HTML'] ?? false) ? $message['DETAILS'] : htmlspecialcharsbx($message['DETAILS'])) : '';
            echo "<div class=\"adm-info-message-wrap adm-info-message-{$color}\"><div class=\"adm-info-message\"><b>" . htmlspecialcharsbx($message['MESSAGE']) . "</b>{$details}</div></div>";
        }
    }

    /** The admin tab control options.php pages draw with. */
    final class CAdminTabControl
    {
        private int $current = -1;

        /** @param list<array{DIV: string, TAB: string, TITLE?: string}> $tabs */
        public function __construct(private readonly string $name, private readonly array $tabs)
        {
        }

        public function Begin(): void
        {
            echo '<div class="adm-detail-tabs-block" id="' . htmlspecialcharsbx($this->name) . '_tabs">';
            foreach ($this->tabs as $i => $tab) {
                echo '<span class="adm-detail-tab' . ($i === 0 ? ' adm-detail-tab-active' : '') . '" onclick="vitrinaTab(\'' . $tab['DIV'] . '\')">' . htmlspecialcharsbx($tab['TAB']) . '</span>';
            }
            echo '</div><div class="adm-detail-content-wrap">';
        }

        public function BeginNextTab(): void
        {
            if ($this->current >= 0) {
                echo '</table></div>';
            }
            $this->current++;
            $tab = $this->tabs[$this->current];
            echo '<div class="adm-detail-content" id="' . $tab['DIV'] . '"' . ($this->current > 0 ? ' style="display:none"' : '') . '>'
                . '<div class="adm-detail-title">' . htmlspecialcharsbx($tab['TITLE'] ?? $tab['TAB']) . '</div><table class="adm-detail-content-table edit-table">';
        }

        public function Buttons(): void
        {
            echo '</table></div><div class="adm-detail-content-btns">';
            $this->current = -1;
        }

        public function End(): void
        {
            echo '</div></div><script>function vitrinaTab(id){document.querySelectorAll(".adm-detail-content").forEach(function(d){d.style.display=d.id===id?"":"none"});'
                . 'document.querySelectorAll(".adm-detail-tab").forEach(function(t){t.classList.toggle("adm-detail-tab-active",t.getAttribute("onclick").indexOf(id)>0)})}</script>';
        }
    }

    final class CApplicationException
    {
        public function __construct(private readonly string $message)
        {
        }

        public function GetString(): string
        {
            return $this->message;
        }
    }

    /** Base class of every module's install/index.php. */
    class CModule
    {
        public $MODULE_ID;

        public function IsInstalled(): bool
        {
            return \Bitrix\Main\ModuleManager::isModuleInstalled((string) $this->MODULE_ID);
        }
    }

    /** Copy a folder's files (recursively) as Bitrix's installers do. */
    function CopyDirFiles(string $path_from, string $path_to, bool $ReWrite = true, bool $Recursive = false, bool $bDeleteAfterCopy = false, string $strExclude = ''): bool
    {
        if (is_file($path_from)) {
            @mkdir(\dirname($path_to), 0777, true);
            return ($ReWrite || !file_exists($path_to)) ? copy($path_from, $path_to) : true;
        }
        @mkdir($path_to, 0777, true);
        foreach (scandir($path_from) ?: [] as $entry) {
            if ($entry === '.' || $entry === '..' || (is_dir("{$path_from}/{$entry}") && !$Recursive)) {
                continue;
            }
            CopyDirFiles("{$path_from}/{$entry}", "{$path_to}/{$entry}", $ReWrite, $Recursive);
        }

        return true;
    }

    /** Delete a file or folder given relative to the document root. */
    function DeleteDirFilesEx(string $path): bool
    {
        $full = rtrim((string) $_SERVER['DOCUMENT_ROOT'], '/') . '/' . ltrim($path, '/');
        if (is_file($full) || is_link($full)) {
            return unlink($full);
        }
        if (!is_dir($full)) {
            return false;
        }
        foreach (scandir($full) ?: [] as $entry) {
            if ($entry !== '.' && $entry !== '..') {
                DeleteDirFilesEx(rtrim($path, '/') . '/' . $entry);
            }
        }

        return rmdir($full);
    }

    /** A date in the site's format (FORMAT_DATETIME, here DD.MM.YYYY HH:MI:SS) → unix time, false when unreadable. */
    function MakeTimeStamp(string $datetime, string|false $format = false): int|false
    {
        $parsed = \DateTime::createFromFormat('d.m.Y H:i:s', $datetime) ?: \DateTime::createFromFormat('d.m.Y', $datetime);

        return $parsed === false ? false : $parsed->getTimestamp();
    }

    /** $APPLICATION: the few methods admin pages call. */
    final class CMain
    {
        public function GetGroupRight(string $moduleId): string
        {
            return StandIn::$right;
        }

        public function GetCurPage(): string
        {
            return strtok((string) ($_SERVER['REQUEST_URI'] ?? '/bitrix/admin/settings.php'), '?') ?: '/';
        }

        public function SetTitle(string $title): void
        {
            StandIn::$title = $title;
        }

        public function IncludeAdminFile(string $title, string $file): void
        {
            StandIn::$title = $title;
            include $file;
        }

        public function ThrowException(string $message): void
        {
            StandIn::$exception = $message;
        }

        public function GetException(): CApplicationException|false
        {
            return StandIn::$exception === null ? false : new CApplicationException(StandIn::$exception);
        }
    }

    final class CAgent
    {
        public static function AddAgent(string $name, string $module = '', string $period = 'N', int $interval = 86400, string $datecheck = '', string $active = 'Y', string $next_exec = '', int $sort = 100): int|false
        {
            $db = StandIn::db();
            $h = $db->getSqlHelper();
            if ($db->query("SELECT ID FROM b_agent WHERE NAME = '" . $h->forSql($name) . "' AND MODULE_ID = '" . $h->forSql($module) . "'")->fetch()) {
                return false; // Bitrix refuses a duplicate agent of the same module
            }
            $db->queryExecute("INSERT INTO b_agent (NAME, MODULE_ID, IS_PERIOD, AGENT_INTERVAL, ACTIVE, NEXT_EXEC) VALUES ('"
                . $h->forSql($name) . "', '" . $h->forSql($module) . "', '" . $h->forSql($period) . "', {$interval}, '" . $h->forSql($active) . "', " . StandIn::now() . ')');

            return $db->getInsertedId();
        }

        public static function RemoveModuleAgents(string $module): void
        {
            StandIn::db()->queryExecute("DELETE FROM b_agent WHERE MODULE_ID = '" . StandIn::db()->getSqlHelper()->forSql($module) . "'");
        }

        /** @param array<string, mixed> $arFilter NAME and/or MODULE_ID */
        public static function GetList(array $arOrder = [], array $arFilter = []): \Bitrix\Main\DB\Result
        {
            $db = StandIn::db();
            $where = ['1 = 1'];
            foreach (['NAME', 'MODULE_ID'] as $key) {
                if (isset($arFilter[$key])) {
                    $where[] = "{$key} = '" . $db->getSqlHelper()->forSql($arFilter[$key]) . "'";
                }
            }

            return $db->query('SELECT * FROM b_agent WHERE ' . implode(' AND ', $where) . ' ORDER BY ID');
        }

        /** What cron_events.php does: run due agents; an agent returning '' is removed. */
        public static function CheckAgents(): int
        {
            $db = StandIn::db();
            $agents = $db->query("SELECT * FROM b_agent WHERE ACTIVE = 'Y' AND NEXT_EXEC <= " . StandIn::now() . ' ORDER BY SORT, ID')->fetchAll();
            foreach ($agents as $agent) {
                if ($agent['MODULE_ID'] !== '' && !\Bitrix\Main\Loader::includeModule($agent['MODULE_ID'])) {
                    continue;
                }
                $eval_result = '';
                eval('$eval_result = ' . $agent['NAME']);
                if (!is_string($eval_result) || $eval_result === '') {
                    $db->queryExecute('DELETE FROM b_agent WHERE ID = ' . (int) $agent['ID']);
                    continue;
                }
                $db->queryExecute("UPDATE b_agent SET NAME = '" . $db->getSqlHelper()->forSql($eval_result) . "', NEXT_EXEC = "
                    . (StandIn::now() + (int) $agent['AGENT_INTERVAL']) . ', LAST_EXEC = ' . StandIn::now() . ' WHERE ID = ' . (int) $agent['ID']);
            }

            return \count($agents);
        }

        /** @internal stand-in: make every agent due now (tests skip the wait). */
        public static function MakeAllDue(): void
        {
            StandIn::db()->queryExecute('UPDATE b_agent SET NEXT_EXEC = ' . StandIn::now());
        }
    }
}
