<?php

/*
 * The stand-in site over HTTP, for `php -S 127.0.0.1:P router.php` with STANDIN_ROOT (the site
 * folder) and VITRINA_STANDIN_DB:
 *
 *   /bitrix/tools/...php                 scripts DoInstall copied there (the module's api.php)
 *   /bitrix/admin/settings.php?mid=ID    a module's options.php inside an admin page
 *   /bitrix/admin/partner_modules.php?id=ID&install=Y | &uninstall=Y[&step=2&savedata=Y]
 *   /bitrix/admin/1c_exchange.php?type=catalog&mode=...   the exchange with 1C (standin/exchange.php)
 *   /catalog/<code or id>/               a product page (sets CATALOG_CURRENT_ELEMENT_ID, as bitrix:catalog)
 *   anything else                        a public page (OnBeforeProlog handlers and Asset strings run,
 *                                        OnEndBufferContent handlers get the page)
 */

declare(strict_types=1);

$_SERVER['DOCUMENT_ROOT'] = (string) getenv('STANDIN_ROOT');
$path = (string) parse_url((string) $_SERVER['REQUEST_URI'], PHP_URL_PATH);

if (str_starts_with($path, '/bitrix/tools/')) {
    $file = realpath($_SERVER['DOCUMENT_ROOT'] . $path);
    if ($file === false || !str_starts_with($file, realpath($_SERVER['DOCUMENT_ROOT']) . '/bitrix/tools/')) {
        http_response_code(404);
        return;
    }
    require $file;
    return;
}

if (str_starts_with($path, '/bitrix/admin/')) {
    define('ADMIN_SECTION', true);
}
require __DIR__ . '/prolog_before.php';

/** Bitrix's admin look, enough for a screenshot a developer recognises. */
function admin_page(string $title, callable $body): void
{
    ob_start();
    $body();
    $content = (string) ob_get_clean();
    $title = htmlspecialcharsbx(StandIn::$title !== '' ? StandIn::$title : $title);
    echo <<<HTML
<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><title>{$title}</title><style>
body{margin:0;position:relative;min-height:100vh;font:13px/1.4 "Helvetica Neue",Arial,sans-serif;background:#eef2f4;color:#000}
.adm-header{background:#3f4b54;color:#fff;height:44px;display:flex;align-items:center;padding:0 18px;font-size:15px}
.adm-header b{color:#8fd3ff;margin-right:8px}.adm-menu{position:absolute;top:44px;left:0;bottom:0;width:200px;background:#2b343a;color:#c5d0d6;padding-top:12px}
.adm-menu div{padding:7px 18px}.adm-menu .on{background:#4a5962;color:#fff}
.adm-workarea{margin-left:200px;padding:18px 26px}h1.adm-title{font-size:24px;font-weight:normal;margin:0 0 14px}
.adm-detail-tabs-block{display:flex;gap:2px}.adm-detail-tab{background:#d9e3e8;border-radius:4px 4px 0 0;padding:8px 16px;cursor:pointer}
.adm-detail-tab-active{background:#fff;font-weight:bold}.adm-detail-content-wrap{background:#fff;border-radius:0 4px 4px 4px;padding:12px 18px;box-shadow:0 1px 2px rgba(0,0,0,.1)}
.adm-detail-title{font-size:17px;border-bottom:1px solid #e0e8ea;padding:6px 0 10px;margin-bottom:10px}
.edit-table{width:100%;border-collapse:collapse}.edit-table td{padding:7px 6px;vertical-align:top}.adm-detail-content-cell-l{text-align:right;color:#3f4b54}
input[type=text],input[type=password],select{border:1px solid #a4b9cc;border-radius:4px;padding:5px 6px;font-size:13px}
input[type=submit]{background:#e0e9ec;border:1px solid #a4b9cc;border-radius:4px;padding:6px 14px;cursor:pointer;font-size:13px}
input.adm-btn-save{background:#86ad00;color:#fff;border-color:#6f9000;font-weight:bold}
.adm-detail-content-btns{border-top:1px solid #e0e8ea;margin-top:10px;padding:12px 6px}
.adm-info-message-wrap{margin:0 0 12px}.adm-info-message{padding:10px 14px;border-radius:4px}
.adm-info-message-green .adm-info-message{background:#e8f5d0;border:1px solid #b5d47c}.adm-info-message-red .adm-info-message{background:#fbe3e4;border:1px solid #e7a4a7}
</style></head><body><div class="adm-header"><b>1С-Битрикс</b> Управление сайтом</div>
<div class="adm-menu"><div>Рабочий стол</div><div>Контент</div><div>Магазин</div><div class="on">Настройки</div><div>Marketplace</div></div>
<div class="adm-workarea"><h1 class="adm-title">{$title}</h1>{$content}</div></body></html>
HTML;
}

if ($path === '/bitrix/admin/settings.php') {
    $mid = (string) ($_GET['mid'] ?? 'main');
    $file = \Bitrix\Main\Loader::getLocal("modules/{$mid}/options.php");
    admin_page(LANGUAGE_ID === 'ru' ? 'Настройки модуля' : 'Module settings', static function () use ($file): void {
        if ($file !== false) {
            include $file;
        }
    });
    return;
}

if ($path === '/bitrix/admin/1c_exchange.php') {
    // The catalog exchange with 1C into the first catalog info block (STANDIN_1C_IBLOCK to choose).
    $iblock = (int) (getenv('STANDIN_1C_IBLOCK') ?: (CIBlock::GetList([], ['TYPE' => 'catalog'])->fetch()['ID'] ?? 0));
    header('Content-Type: text/plain; charset=utf-8');
    echo (new CatalogExchange1C($iblock))->handle((string) ($_GET['mode'] ?? ''), (string) ($_GET['filename'] ?? ''), (string) file_get_contents('php://input'));
    return;
}

if ($path === '/bitrix/admin/partner_modules.php') {
    $id = (string) ($_GET['id'] ?? '');
    $index = \Bitrix\Main\Loader::getLocal("modules/{$id}/install/index.php");
    if ($index === false || !preg_match('/^[a-z0-9]+\.[a-z0-9_]+$/', $id)) {
        http_response_code(404);
        return;
    }
    require_once $index;
    $class = str_replace('.', '_', $id);
    $module = new $class();
    admin_page((string) $module->MODULE_NAME, static function () use ($module): void {
        if (($_GET['install'] ?? '') === 'Y') {
            $module->DoInstall();
        } elseif (($_GET['uninstall'] ?? '') === 'Y') {
            $module->DoUninstall();
        }
    });
    return;
}

// /catalog/<code or id>/ is a product page, as the catalog complex component serves it: its
// element.php leaves the element's id in $GLOBALS['CATALOG_CURRENT_ELEMENT_ID'].
$product = '';
if (preg_match('#^/catalog/([A-Za-z0-9_-]+)/$#', $path, $match)) {
    $h = StandIn::db()->getSqlHelper();
    $element = StandIn::db()->query("SELECT e.ID, e.NAME FROM b_iblock_element e JOIN b_iblock b ON b.ID = e.IBLOCK_ID WHERE b.IBLOCK_TYPE_ID = 'catalog'"
        . " AND (e.CODE = '{$h->forSql($match[1])}' OR e.ID = " . (int) $match[1] . ') ORDER BY e.ID')->fetch();
    if ($element !== false) {
        $GLOBALS['CATALOG_CURRENT_ELEMENT_ID'] = (int) $element['ID'];
        $product = '<div class="product-item-detail"><h2>' . htmlspecialcharsbx($element['NAME']) . '</h2></div><div id="similar-here"></div>';
    }
}
$head = implode("\n", \Bitrix\Main\Page\Asset::getInstance()->strings);
$content = "<!DOCTYPE html><html><head><meta charset=\"utf-8\">{$head}</head><body><h1>Магазин</h1><p>" . htmlspecialcharsbx($path) . "</p>{$product}<footer>©</footer></body></html>";
// The epilog's OnEndBufferContent: handlers may change the whole page.
foreach (GetModuleEvents('main', 'OnEndBufferContent', true) as $arEvent) {
    ExecuteModuleEventEx($arEvent, [&$content]);
}
echo $content;
