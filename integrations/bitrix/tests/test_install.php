<?php

/* Install and uninstall as the admin does them; every string in both languages; php -l clean. */

declare(strict_types=1);

require __DIR__ . '/lib/site.php';

use Bitrix\Main\Application;
use Bitrix\Main\Config\Option;
use Bitrix\Main\EventManager;
use Bitrix\Main\ModuleManager;
use Vitrinalab\Vitrina\Events;

/** @return list<string> "module:event -> method" of the module's persistent handlers */
function registered_handlers(): array
{
    $rows = StandIn::db()->query("SELECT * FROM b_module_to_module WHERE TO_MODULE_ID = 'vitrinalab.vitrina' ORDER BY ID")->fetchAll();

    return array_map(static fn (array $r): string => "{$r['FROM_MODULE_ID']}:{$r['MESSAGE_ID']} -> {$r['TO_METHOD']}", $rows);
}

test('DoInstall registers the module, its tables, handlers, agent and the api.php tool', function (): void {
    $shop = new_shop();
    install_module($shop);
    check(ModuleManager::isModuleInstalled(MODULE_ID), 'module registered');
    $db = Application::getConnection();
    check($db->isTableExists('b_vitrinalab_vitrina_outbox'), 'outbox table');
    check($db->isTableExists('b_vitrinalab_vitrina_sent'), 'sent table');
    check($db->isTableExists('b_vitrinalab_vitrina_nonce'), 'nonce table');
    same(count(Events::HANDLERS), count(registered_handlers()));
    check(in_array('iblock:OnAfterIBlockElementUpdate -> onElementUpdate', registered_handlers(), true), 'iblock update handler');
    check(in_array('catalog:OnSuccessCatalogImport1C -> onImportSuccess', registered_handlers(), true), '1C import handler');
    // Classic events are registered "compatible" (VERSION 1: classic arguments), D7 entity events
    // as VERSION 2 (the Event object) — a wrong version hands the handler the wrong arguments.
    $versions = [];
    foreach (StandIn::db()->query("SELECT MESSAGE_ID, VERSION FROM b_module_to_module WHERE TO_MODULE_ID = 'vitrinalab.vitrina'")->fetchAll() as $r) {
        $versions[$r['MESSAGE_ID']] = (int) $r['VERSION'];
    }
    same([1, 1, 2], [$versions['OnAfterIBlockElementUpdate'], $versions['OnPriceUpdate'], $versions['\Bitrix\Catalog\Price::OnAfterUpdate']]);
    $agents = CAgent::GetList([], ['MODULE_ID' => MODULE_ID])->fetchAll();
    same(['\Vitrinalab\Vitrina\Agent::run();'], array_column($agents, 'NAME'));
    same('60', (string) $agents[0]['AGENT_INTERVAL']);
    check(is_file($shop->root . '/bitrix/tools/vitrinalab.vitrina/api.php'), 'api.php copied to /bitrix/tools');
    same('20', Option::get(MODULE_ID, 'send_rate'), 'defaults come from default_option.php');
});

test('the handlers are persistent: a later hit (new request) still records changes', function (): void {
    $shop = new_shop();
    install_module($shop);
    StandIn::hit(); // forget everything registered at runtime: only b_module_to_module remains
    $id = add_product($shop, 'Букет «Рассвет»', 12000);
    same([[$id, 'product.created']], array_map(static fn (array $r): array => [(int) $r['PRODUCT_ID'], $r['EVENT_TYPE']], outbox_rows()));
});

test('DoInstall refuses without the catalog module, saying which one', function (): void {
    $shop = new_shop();
    StandIn::db()->queryExecute("DELETE FROM b_module WHERE ID = 'catalog'");
    require_once $shop->root . '/local/modules/vitrinalab.vitrina/install/index.php';
    ob_start();
    $ok = (new vitrinalab_vitrina())->DoInstall();
    check(str_contains((string) ob_get_clean(), 'catalog'), 'the install step says why');
    same(false, $ok);
    check(str_contains((string) StandIn::$exception, 'catalog'), 'the message names the module: ' . StandIn::$exception);
    check(!ModuleManager::isModuleInstalled(MODULE_ID), 'nothing installed');
});

test('uninstall asks first, then removes handlers, agent, tool; tables kept when asked', function (): void {
    $shop = new_shop();
    install_module($shop);
    add_product($shop, 'Букет', 5000);
    $module = new vitrinalab_vitrina();
    ob_start();
    $module->DoUninstall();
    $page = (string) ob_get_clean();
    check(str_contains($page, 'name="savedata"'), 'step 1 asks whether to keep the tables');
    check(ModuleManager::isModuleInstalled(MODULE_ID), 'nothing removed at step 1');

    $_GET = ['step' => '2', 'savedata' => 'Y'];
    ob_start();
    $module->DoUninstall();
    ob_end_clean();
    $_GET = [];
    check(!ModuleManager::isModuleInstalled(MODULE_ID), 'unregistered');
    same([], registered_handlers());
    same([], CAgent::GetList([], ['MODULE_ID' => MODULE_ID])->fetchAll());
    check(!file_exists($shop->root . '/bitrix/tools/vitrinalab.vitrina'), 'tool removed');
    check(Application::getConnection()->isTableExists('b_vitrinalab_vitrina_outbox'), 'outbox kept');
    same(1, (int) Application::getConnection()->query('SELECT COUNT(*) AS C FROM b_vitrinalab_vitrina_outbox')->fetch()['C'], 'its rows too');

    // Reinstall keeps the history, then uninstall without "keep" drops the tables.
    install_module($shop);
    same(1, count(outbox_rows()));
    $_GET = ['step' => '2'];
    ob_start();
    $module->DoUninstall();
    ob_end_clean();
    $_GET = [];
    check(!Application::getConnection()->isTableExists('b_vitrinalab_vitrina_outbox'), 'outbox dropped');
    check(!Application::getConnection()->isTableExists('b_vitrinalab_vitrina_sent'), 'sent dropped');
});

/** Uninstall step 2, with or without "keep data". */
function uninstall(bool $keepData): void
{
    $_GET = ['step' => '2'] + ($keepData ? ['savedata' => 'Y'] : []);
    ob_start();
    (new vitrinalab_vitrina())->DoUninstall();
    ob_end_clean();
    $_GET = [];
}

test('full uninstall removes the module\'s options, the secret among them; "keep data" keeps them', function (): void {
    $shop = new_shop();
    install_module($shop);
    uninstall(true);
    same(SECRET, Option::get(MODULE_ID, 'secret'), 'kept with the tables');
    install_module($shop);
    uninstall(false);
    same(0, (int) StandIn::db()->query("SELECT COUNT(*) AS C FROM b_option WHERE MODULE_ID = 'vitrinalab.vitrina'")->fetch()['C'], 'no option left');
    same('', Option::get(MODULE_ID, 'secret'));
});

test('the sequence only grows: a reinstall without "keep data" numbers its rows above every earlier one', function (): void {
    $shop = new_shop();
    install_module($shop);
    add_product($shop, 'Букет', 5000);
    $before = (int) outbox_rows()[0]['ID'];
    uninstall(false);
    install_module($shop);
    add_product($shop, 'Букет 2', 5000);
    $after = (int) outbox_rows()[0]['ID'];
    check($after > $before, "sequence after reinstall ({$after}) above the one before ({$before})");
    check($after >= time() * 1_000_000 - 10_000_000, "ids start at the time-based floor: {$after}");
});

test('a table kept from version 1.0 (INT ids counting from 1) gets the floor on reinstall', function (): void {
    $shop = new_shop();
    install_module($shop);
    uninstall(true);
    $db = StandIn::db();
    $db->queryExecute('DELETE FROM b_vitrinalab_vitrina_outbox');
    if ($db->getType() === 'mysql') {
        $db->queryExecute('ALTER TABLE b_vitrinalab_vitrina_outbox MODIFY ID INT NOT NULL AUTO_INCREMENT');
        $db->queryExecute('ALTER TABLE b_vitrinalab_vitrina_outbox AUTO_INCREMENT = 5');
    } else {
        $db->queryExecute("UPDATE sqlite_sequence SET seq = 4 WHERE name = 'b_vitrinalab_vitrina_outbox'");
    }
    install_module($shop);
    add_product($shop, 'Букет', 5000);
    check((int) outbox_rows()[0]['ID'] > 1_000_000_000_000, 'above anything 1.0 sent: ' . outbox_rows()[0]['ID']);
});

test('upgrade from the init.php library: the module\'s sequence starts above the old outbox\'s', function (): void {
    $shop = new_shop();
    // The old library's table and counter: ids from 1 up.
    StandIn::db()->standin('CREATE TABLE vitrina_outbox (ID INTEGER PRIMARY KEY AUTOINCREMENT, PRODUCT_ID INTEGER)');
    for ($i = 0; $i < 3; $i++) {
        StandIn::db()->queryExecute('INSERT INTO vitrina_outbox (PRODUCT_ID) VALUES (1)');
    }
    install_module($shop);
    $id = add_product($shop, 'Букет', 5000);
    check((int) outbox_rows()[0]['ID'] > 1_000_000_000_000, 'a sequence Vitrina has not seen from the old library: ' . outbox_rows()[0]['ID']);
    same($id, (int) outbox_rows()[0]['PRODUCT_ID']);
});

test('a failed install shows its error on the install step', function (): void {
    $shop = new_shop();
    $server = start_server(BITRIX_ROOT . '/standin/router.php', ['STANDIN_ROOT' => $shop->root, 'VITRINA_STANDIN_DB' => $shop->db, 'STANDIN_CHARSET' => 'windows-1251']);
    $page = (string) file_get_contents($server['url'] . '/bitrix/admin/partner_modules.php?id=vitrinalab.vitrina&install=Y');
    check(str_contains($page, 'windows-1251') && str_contains($page, 'adm-info-message-red'), 'the reason, as an error: ' . strip_tags($page));
    check(!ModuleManager::isModuleInstalled(MODULE_ID), 'nothing installed');
});

test('a windows-1251 site is refused at install, with the reason', function (): void {
    $shop = new_shop();
    StandIn::$charset = 'windows-1251';
    Tests::$cleanups[] = static fn () => StandIn::$charset = 'UTF-8';
    require_once $shop->root . '/local/modules/vitrinalab.vitrina/install/index.php';
    ob_start();
    $ok = (new vitrinalab_vitrina())->DoInstall();
    $page = (string) ob_get_clean();
    same(false, $ok);
    check(str_contains($page, 'windows-1251'), 'the install step says why: ' . strip_tags($page));
    check(!ModuleManager::isModuleInstalled(MODULE_ID), 'nothing installed');
});

test('after uninstall, saving a product records nothing and breaks nothing', function (): void {
    $shop = new_shop();
    install_module($shop);
    $_GET = ['step' => '2'];
    ob_start();
    (new vitrinalab_vitrina())->DoUninstall();
    ob_end_clean();
    $_GET = [];
    StandIn::hit();
    check(add_product($shop, 'Букет', 5000) > 0, 'the shop still saves products');
});

test('every message the module uses exists in lang/ru and lang/en, and nothing else is there', function (): void {
    $dir = StandIn::MODULE_DIR;
    $used = [];
    foreach (new RecursiveIteratorIterator(new RecursiveDirectoryIterator($dir)) as $file) {
        $path = (string) $file;
        if (!str_ends_with($path, '.php') || str_contains($path, '/lang/')) {
            continue;
        }
        $code = (string) file_get_contents($path);
        preg_match_all("/'(VITRINALAB_VITRINA_[A-Z0-9_]+[A-Z0-9])'/", $code, $m);
        $used = array_merge($used, $m[1]);
        if (str_ends_with($path, 'options.php')) {
            preg_match_all("/\\\$m\\('([A-Z0-9_]+[A-Z0-9])'/", $code, $m);
            $used = array_merge($used, array_map(static fn (string $c): string => 'VITRINALAB_VITRINA_OPT_' . $c, $m[1]));
        }
    }
    // Built from parts in options.php: per-field and per-status names.
    foreach (['ERR_URL', 'ERR_NUMBER', 'ERR_SECRET_MISSING', 'ERR_SECRET_INVALID', 'ERR_IBLOCKS', 'ERR_PRICE_TYPE', 'ERR_URL_BASE', 'ERR_SITE_URLS', 'SOURCE_IBLOCK', 'SOURCE_SHOP_API',
        'STATUS_PENDING', 'STATUS_DELIVERED', 'STATUS_FAILED', 'BULK_MODE_ALL', 'BULK_MODE_CHANGED',
        'PROP_HEIGHT', 'PROP_WIDTH', 'PROP_COMPOSITION', 'PROP_COLORS', 'PROP_TYPE', 'PROP_MORE_PHOTO'] as $part) {
        $used[] = 'VITRINALAB_VITRINA_OPT_' . $part;
    }
    $used = array_values(array_unique($used));
    sort($used);
    foreach (['ru', 'en'] as $lang) {
        $MESS = [];
        foreach (new RecursiveIteratorIterator(new RecursiveDirectoryIterator("{$dir}/lang/{$lang}")) as $file) {
            if (str_ends_with((string) $file, '.php')) {
                include (string) $file;
                $mirror = str_replace("/lang/{$lang}/", '/', (string) $file);
                check(is_file($mirror), "lang/{$lang} file mirrors a module file: {$mirror}");
            }
        }
        $defined = array_keys($MESS);
        sort($defined);
        same([], array_values(array_diff($used, $defined)), "missing in lang/{$lang}");
        same([], array_values(array_diff($defined, $used)), "unused in lang/{$lang}");
        foreach ($MESS as $key => $text) {
            check(trim($text) !== '', "{$lang} {$key} is empty");
        }
    }
});

test('php -l passes on every PHP file of the module, the stand-in and the tests', function (): void {
    $files = [];
    foreach ([StandIn::MODULE_DIR, BITRIX_ROOT . '/standin', __DIR__] as $root) {
        foreach (new RecursiveIteratorIterator(new RecursiveDirectoryIterator($root)) as $file) {
            if (str_ends_with((string) $file, '.php')) {
                $files[] = (string) $file;
            }
        }
    }
    check(count($files) > 40, 'found the files: ' . count($files));
    foreach ($files as $file) {
        [$code, $out] = run_command([PHP_BINARY, '-l', $file]);
        same(0, $code, "php -l {$file}: {$out}");
    }
});

finish();
