<?php

/*
 * The Bitrix stand-in's own set-up: its schema, the site folder, the "hit" boundary, and seeding
 * helpers for tests (sites, info blocks with properties, trade offers, files, price types).
 *
 * A stand-in site is a folder laid out like a Bitrix site: local/modules/vitrinalab.vitrina (a
 * link to this repository's module), bitrix/modules/main/include/prolog_before.php (the stand-in's
 * prolog), bitrix/tools/ (where DoInstall copies api.php), upload/.
 */

declare(strict_types=1);

require_once __DIR__ . '/main.php';
require_once __DIR__ . '/iblock.php';
require_once __DIR__ . '/catalog.php';
require_once __DIR__ . '/exchange.php';
require_once __DIR__ . '/mail.php';

final class StandIn
{
    public const MODULE_DIR = __DIR__ . '/../local/modules/vitrinalab.vitrina';

    /** @var list<string> what AddMessage2Log wrote */
    public static array $log = [];
    /** @var (\Closure(): int)|null */
    public static ?\Closure $clock = null;
    public static string $sessid = 'standin-sessid';
    public static string $right = 'W';
    public static string $title = '';
    public static ?string $exception = null;
    public static string $charset = 'UTF-8';

    public static function db(): \Bitrix\Main\DB\Connection
    {
        return \Bitrix\Main\Application::getConnection();
    }

    public static function now(): int
    {
        return self::$clock !== null ? (self::$clock)() : time();
    }

    /** A site folder with the module linked in and the prolog in place; returns its path. */
    public static function makeSiteRoot(string $dir): string
    {
        @mkdir("{$dir}/local/modules", 0777, true);
        @mkdir("{$dir}/bitrix/modules/main/include", 0777, true);
        @mkdir("{$dir}/bitrix/tools", 0777, true);
        @mkdir("{$dir}/upload", 0777, true);
        if (!file_exists("{$dir}/local/modules/vitrinalab.vitrina")) {
            symlink(realpath(self::MODULE_DIR), "{$dir}/local/modules/vitrinalab.vitrina");
        }
        file_put_contents("{$dir}/bitrix/modules/main/include/prolog_before.php", "<?php\nrequire " . var_export(__DIR__ . '/prolog_before.php', true) . ";\n");
        @mkdir("{$dir}/bitrix/modules/main/admin", 0777, true);
        file_put_contents("{$dir}/bitrix/modules/main/admin/group_rights.php", "<?php\nrequire " . var_export(__DIR__ . '/group_rights.php', true) . ";\n");

        return $dir;
    }

    /** Open (and create) the site's database; $root is the site folder (DOCUMENT_ROOT). */
    public static function boot(string $dbPath, string $root): \Bitrix\Main\DB\Connection
    {
        $_SERVER['DOCUMENT_ROOT'] = $root;
        $db = new \Bitrix\Main\DB\Connection($dbPath);
        \Bitrix\Main\Application::setConnection($db);
        $GLOBALS['APPLICATION'] ??= new CMain();
        foreach (array_merge([
            'CREATE TABLE IF NOT EXISTS b_module (ID VARCHAR(50) PRIMARY KEY, DATE_ACTIVE INTEGER)',
            'CREATE TABLE IF NOT EXISTS b_option (MODULE_ID VARCHAR(50), NAME VARCHAR(100), VALUE TEXT, PRIMARY KEY (MODULE_ID, NAME))',
            'CREATE TABLE IF NOT EXISTS b_module_to_module (ID INTEGER PRIMARY KEY AUTOINCREMENT, FROM_MODULE_ID VARCHAR(50), MESSAGE_ID VARCHAR(255),'
                . ' TO_MODULE_ID VARCHAR(50), TO_CLASS VARCHAR(255), TO_METHOD VARCHAR(255), SORT INTEGER, VERSION INTEGER)',
            'CREATE TABLE IF NOT EXISTS b_agent (ID INTEGER PRIMARY KEY AUTOINCREMENT, NAME TEXT NOT NULL, MODULE_ID VARCHAR(50), SORT INTEGER NOT NULL DEFAULT 100,'
                . " IS_PERIOD CHAR(1) NOT NULL DEFAULT 'N', AGENT_INTERVAL INTEGER NOT NULL, ACTIVE CHAR(1) NOT NULL DEFAULT 'Y', NEXT_EXEC INTEGER NOT NULL, LAST_EXEC INTEGER)",
            'CREATE TABLE IF NOT EXISTS b_lang (LID CHAR(2) PRIMARY KEY, DIR VARCHAR(50), SERVER_NAME VARCHAR(255), NAME VARCHAR(100), SORT INTEGER DEFAULT 100)',
            'CREATE TABLE IF NOT EXISTS b_file (ID INTEGER PRIMARY KEY AUTOINCREMENT, SUBDIR VARCHAR(255), FILE_NAME VARCHAR(255))',
            "CREATE TABLE IF NOT EXISTS b_iblock (ID INTEGER PRIMARY KEY AUTOINCREMENT, IBLOCK_TYPE_ID VARCHAR(50), LID CHAR(2), CODE VARCHAR(50), NAME VARCHAR(255), DETAIL_PAGE_URL VARCHAR(255), SORT INTEGER DEFAULT 500)",
            'CREATE TABLE IF NOT EXISTS b_iblock_site (IBLOCK_ID INTEGER, SITE_ID CHAR(2))',
            "CREATE TABLE IF NOT EXISTS b_iblock_property (ID INTEGER PRIMARY KEY AUTOINCREMENT, IBLOCK_ID INTEGER, CODE VARCHAR(50), NAME VARCHAR(255), PROPERTY_TYPE CHAR(1) DEFAULT 'S', MULTIPLE CHAR(1) DEFAULT 'N', SORT INTEGER DEFAULT 500)",
            "CREATE TABLE IF NOT EXISTS b_iblock_element (ID INTEGER PRIMARY KEY AUTOINCREMENT, IBLOCK_ID INTEGER NOT NULL, NAME VARCHAR(255) NOT NULL, CODE VARCHAR(255) DEFAULT '',"
                . " ACTIVE CHAR(1) NOT NULL DEFAULT 'Y', DETAIL_PICTURE INTEGER, PREVIEW_PICTURE INTEGER, DATE_CREATE INTEGER, TIMESTAMP_X INTEGER, WF_PARENT_ELEMENT_ID INTEGER, SORT INTEGER DEFAULT 500,"
                . ' XML_ID VARCHAR(255) NULL)',
            'CREATE TABLE IF NOT EXISTS b_iblock_property_enum (ID INTEGER PRIMARY KEY AUTOINCREMENT, PROPERTY_ID INTEGER, VALUE VARCHAR(255), XML_ID VARCHAR(200))',
            'CREATE TABLE IF NOT EXISTS b_iblock_element_property (ID INTEGER PRIMARY KEY AUTOINCREMENT, IBLOCK_PROPERTY_ID INTEGER, IBLOCK_ELEMENT_ID INTEGER, VALUE TEXT)',
            'CREATE INDEX IF NOT EXISTS ix_element_property ON b_iblock_element_property (IBLOCK_ELEMENT_ID, IBLOCK_PROPERTY_ID)',
            "CREATE TABLE IF NOT EXISTS b_catalog_group (ID INTEGER PRIMARY KEY, NAME VARCHAR(100), NAME_LANG VARCHAR(100), BASE CHAR(1) DEFAULT 'N', SORT INTEGER DEFAULT 100)",
            "CREATE TABLE IF NOT EXISTS b_catalog_price (ID INTEGER PRIMARY KEY AUTOINCREMENT, PRODUCT_ID INTEGER NOT NULL, CATALOG_GROUP_ID INTEGER NOT NULL, PRICE REAL NOT NULL, CURRENCY CHAR(3) NOT NULL DEFAULT 'KZT', TIMESTAMP_X INTEGER,"
                . ' QUANTITY_FROM INTEGER NULL, QUANTITY_TO INTEGER NULL)',
            "CREATE TABLE IF NOT EXISTS b_catalog_product (ID INTEGER PRIMARY KEY, QUANTITY REAL DEFAULT 0, AVAILABLE CHAR(1) DEFAULT 'N', CAN_BUY_ZERO CHAR(1) DEFAULT 'N', TYPE INTEGER DEFAULT 1, TIMESTAMP_X INTEGER)",
            'CREATE TABLE IF NOT EXISTS b_catalog_iblock (IBLOCK_ID INTEGER PRIMARY KEY, PRODUCT_IBLOCK_ID INTEGER, SKU_PROPERTY_ID INTEGER)',
            'CREATE TABLE IF NOT EXISTS b_event_log (ID INTEGER PRIMARY KEY AUTOINCREMENT, TIMESTAMP_X INTEGER, SEVERITY VARCHAR(50), AUDIT_TYPE_ID VARCHAR(50),'
                . ' MODULE_ID VARCHAR(50), ITEM_ID VARCHAR(255), DESCRIPTION TEXT)',
            'CREATE TABLE IF NOT EXISTS b_catalog_currency_rate (ID INTEGER PRIMARY KEY AUTOINCREMENT, CURRENCY CHAR(3), BASE_CURRENCY CHAR(3), RATE REAL, RATE_CNT INTEGER DEFAULT 1, DATE_RATE INTEGER)',
        ], StandInMail::schema()) as $ddl) {
            $db->standin($ddl);
        }
        foreach (['main', 'iblock', 'catalog', 'currency'] as $module) {
            \Bitrix\Main\ModuleManager::registerModule($module);
        }

        return $db;
    }

    /** A new request: handlers registered at runtime, included modules and page assets are forgotten. */
    public static function hit(): void
    {
        \Bitrix\Main\EventManager::reset();
        \Bitrix\Main\Loader::reset();
        \Bitrix\Main\Page\Asset::getInstance()->strings = [];
        self::$exception = null;
    }

    /** The next auto-increment id of a table (Bitrix never reuses ids; tests start high). */
    public static function startIdsAt(string $table, int $next): void
    {
        $db = self::db();
        $db->queryExecute($db->getType() === 'mysql'
            ? "ALTER TABLE {$table} AUTO_INCREMENT = {$next}"
            : "INSERT INTO sqlite_sequence (name, seq) VALUES ('{$table}', " . ($next - 1) . ')');
    }

    public static function addSite(string $lid, string $serverName, string $dir = '/', string $name = 'Магазин'): void
    {
        $h = self::db()->getSqlHelper();
        self::db()->standin("INSERT OR REPLACE INTO b_lang (LID, DIR, SERVER_NAME, NAME) VALUES ('{$h->forSql($lid)}', '{$h->forSql($dir)}', '{$h->forSql($serverName)}', '{$h->forSql($name)}')");
    }

    /**
     * @param list<string> $sites
     * @param array<string, array{0: string, 1?: string, 2?: string}> $properties CODE => [name, type S|F|E, multiple Y|N]
     */
    public static function addIblock(string $name, array $sites, string $detailUrl = '#SITE_DIR#/catalog/#ELEMENT_CODE#/', array $properties = [], string $type = 'catalog'): int
    {
        $db = self::db();
        $h = $db->getSqlHelper();
        // b_iblock.LID: the main site (the first ticked), whose folder Bitrix builds addresses with
        $lid = $h->forSql($sites[0] ?? '');
        $db->queryExecute("INSERT INTO b_iblock (IBLOCK_TYPE_ID, LID, CODE, NAME, DETAIL_PAGE_URL) VALUES ('{$h->forSql($type)}', '{$lid}', '', '{$h->forSql($name)}', '{$h->forSql($detailUrl)}')");
        $id = $db->getInsertedId();
        foreach ($sites as $site) {
            $db->queryExecute("INSERT INTO b_iblock_site (IBLOCK_ID, SITE_ID) VALUES ({$id}, '{$h->forSql($site)}')");
        }
        foreach ($properties as $code => $p) {
            self::addProperty($id, $code, $p[0], $p[1] ?? 'S', $p[2] ?? 'N');
        }

        return $id;
    }

    public static function addProperty(int $iblockId, string $code, string $name, string $type = 'S', string $multiple = 'N'): int
    {
        $db = self::db();
        $h = $db->getSqlHelper();
        $db->queryExecute("INSERT INTO b_iblock_property (IBLOCK_ID, CODE, NAME, PROPERTY_TYPE, MULTIPLE) VALUES ({$iblockId}, '{$h->forSql($code)}', '{$h->forSql($name)}', '{$type}', '{$multiple}')");

        return $db->getInsertedId();
    }

    /** A value of a list ('L') property: its id is what an element stores. */
    public static function addEnum(int $iblockId, string $code, string $value, string $xmlId): int
    {
        $db = self::db();
        $h = $db->getSqlHelper();
        $prop = (int) $db->query("SELECT ID FROM b_iblock_property WHERE IBLOCK_ID = {$iblockId} AND CODE = '{$h->forSql($code)}'")->fetch()['ID'];
        $db->queryExecute("INSERT INTO b_iblock_property_enum (PROPERTY_ID, VALUE, XML_ID) VALUES ({$prop}, '{$h->forSql($value)}', '{$h->forSql($xmlId)}')");

        return $db->getInsertedId();
    }

    /** A trade offers info block linked to $productIblock by the CML2_LINK property, as the catalog module sets it up. */
    public static function addOffersIblock(int $productIblock, array $sites): int
    {
        $id = self::addIblock('Торговые предложения', $sites, '', [], 'offers');
        $link = self::addProperty($id, 'CML2_LINK', 'Элемент каталога', 'E');
        self::db()->queryExecute("INSERT INTO b_catalog_iblock (IBLOCK_ID, PRODUCT_IBLOCK_ID, SKU_PROPERTY_ID) VALUES ({$id}, {$productIblock}, {$link})");

        return $id;
    }

    public static function addPriceType(int $id, string $name, bool $base): void
    {
        $h = self::db()->getSqlHelper();
        self::db()->standin("INSERT OR REPLACE INTO b_catalog_group (ID, NAME, NAME_LANG, BASE) VALUES ({$id}, '{$h->forSql($name)}', '{$h->forSql($name)}', '" . ($base ? 'Y' : 'N') . "')");
    }

    /** A currency rate as the currency module keeps it: 1 $currency = $rate KZT (the base currency). */
    public static function addRate(string $currency, float $rate): void
    {
        $h = self::db()->getSqlHelper();
        self::db()->queryExecute("INSERT INTO b_catalog_currency_rate (CURRENCY, BASE_CURRENCY, RATE, RATE_CNT, DATE_RATE) VALUES ('{$h->forSql($currency)}', 'KZT', {$rate}, 1, " . self::now() . ')');
    }

    /** A file as CFile::SaveFile stores it: b_file row, /upload/iblock/<3 hex>/<name>. */
    public static function addFile(string $name): int
    {
        $db = self::db();
        $subdir = 'iblock/' . substr(md5($name . random_int(0, PHP_INT_MAX)), 0, 3);
        $db->queryExecute("INSERT INTO b_file (SUBDIR, FILE_NAME) VALUES ('{$subdir}', '" . $db->getSqlHelper()->forSql($name) . "')");

        return $db->getInsertedId();
    }
}
