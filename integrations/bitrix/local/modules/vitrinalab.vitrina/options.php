<?php

/*
 * Settings → Module settings → Vitrina (/bitrix/admin/settings.php?mid=vitrinalab.vitrina).
 *
 * Tabs: Vitrina (address, secret, check the connection), Catalog (info blocks, price type,
 * product URL base, property codes, or the shop's own REST API), Sending (outbox state, failed
 * rows, the oldest pending row, the last error, whether the agent runs on cron, "send everything
 * again", "send what changed", the manifest address for Vitrina), Storefront (the search widget,
 * «Похожие букеты» on product pages), Requests (where Vitrina sends «Закажите похожий», the lead
 * secret) and Bitrix's own rights tab. Secrets are never written back into the page (a new lead
 * secret is shown once, as the answer to «Создать новый секрет»). Values are checked before they
 * are saved: a wrong value is shown next to its field and nothing is saved.
 */

use Bitrix\Main\Application;
use Bitrix\Main\Config\Option;
use Bitrix\Main\Loader;
use Bitrix\Main\Localization\Loc;
use Vitrinalab\Vitrina\BitrixHttpTransport;
use Vitrinalab\Vitrina\Bulk;
use Vitrinalab\Vitrina\Connection;
use Vitrinalab\Vitrina\Cron;
use Vitrinalab\Vitrina\Leads;
use Vitrinalab\Vitrina\LeadTable;
use Vitrinalab\Vitrina\Log;
use Vitrinalab\Vitrina\Outbox;
use Vitrinalab\Vitrina\OutboxTable;
use Vitrinalab\Vitrina\Settings;
use Vitrinalab\Vitrina\Signer;
use Vitrinalab\Vitrina\Widget;

defined('B_PROLOG_INCLUDED') && B_PROLOG_INCLUDED === true || die();

$module_id = 'vitrinalab.vitrina';
Loc::loadMessages(__FILE__);

global $APPLICATION;
$right = $APPLICATION->GetGroupRight($module_id);
if ($right < 'R') {
    ShowError(Loc::getMessage('VITRINALAB_VITRINA_OPT_ACCESS_DENIED'));
    return;
}
if (!Loader::includeModule($module_id) || !Loader::includeModule('iblock') || !Loader::includeModule('catalog')) {
    ShowError(Loc::getMessage('VITRINALAB_VITRINA_OPT_NEEDS_MODULES'));
    return;
}

$m = static fn (string $code, array $replace = []): string => (string) Loc::getMessage('VITRINALAB_VITRINA_OPT_' . $code, $replace ?: null);
$h = static fn (mixed $value): string => htmlspecialcharsbx((string) $value);

/** Option name => input kind. */
$fields = [
    'vitrina_url' => 'text', 'secret' => 'password',
    'source' => 'source', 'iblock_ids' => 'iblocks', 'price_type_id' => 'price_type', 'product_url_base' => 'text', 'site_urls' => 'text',
    'prop_height' => 'text', 'prop_width' => 'text', 'prop_composition' => 'text', 'prop_colors' => 'text', 'prop_type' => 'text', 'prop_more_photo' => 'text',
    'shop_api_url' => 'text', 'shop_api_token' => 'password',
    'send_rate' => 'number', 'bulk_batch' => 'number', 'batch_size' => 'number', 'timeout_s' => 'number',
    'widget_enabled' => 'checkbox', 'widget_url' => 'text', 'similar_enabled' => 'checkbox', 'similar_target' => 'text', 'widget_shops' => 'text',
    'lead_secret' => 'password',
];
$values = [];
foreach (array_keys($fields) as $name) {
    $values[$name] = Option::get($module_id, $name);
}

$request = Application::getInstance()->getContext()->getRequest();
$errors = [];
$notes = [];
$checks = [];
$outbox = new Outbox();

if ($request->isPost() && $right >= 'W' && check_bitrix_sessid()) {
    if ($request->getPost('save') !== null || $request->getPost('check') !== null) {
        $posted = [];
        foreach ($fields as $name => $kind) {
            $value = $request->getPost($name);
            $posted[$name] = match ($kind) {
                'iblocks' => implode(',', array_map('intval', (array) $value)),
                'checkbox' => $value === 'Y' ? 'Y' : 'N',
                // A password field is never filled in the page: left empty, the stored value stays.
                'password' => trim((string) $value) !== '' ? trim((string) $value) : $values[$name],
                default => trim((string) $value),
            };
        }
        $values = $posted;
        $candidate = Settings::load($posted);
        foreach ($candidate->problems() as $name => $code) {
            $errors[$name] = $m('ERR_' . $code, ['#VALUE#' => $posted[$name] ?? '']);
        }
        foreach (Settings::numberProblems($posted) as $name => [$min, $max]) {
            $errors[$name] = $m('ERR_NUMBER', ['#MIN#' => (string) $min, '#MAX#' => (string) $max, '#VALUE#' => $posted[$name]]);
        }
        if (($posted['widget_enabled'] === 'Y' || $posted['similar_enabled'] === 'Y') && !preg_match('#^https?://#', $posted['widget_url'])) {
            $errors['widget_url'] = $m('ERR_URL', ['#VALUE#' => $posted['widget_url']]);
        }
        if (!Widget::isSelector($posted['similar_target'])) {
            $errors['similar_target'] = $m('ERR_SELECTOR', ['#VALUE#' => $posted['similar_target']]);
        }
        if (Widget::siteShops($posted['widget_shops']) === null) {
            $errors['widget_shops'] = $m('ERR_WIDGET_SHOPS', ['#VALUE#' => $posted['widget_shops']]);
        }
        if ($posted['lead_secret'] !== '' && !Signer::isValid($posted['lead_secret'])) {
            $errors['lead_secret'] = $m('ERR_SECRET_INVALID');
        }
        if ($errors === []) {
            foreach ($posted as $name => $value) {
                Option::set($module_id, $name, $value);
            }
            $notes[] = $m('SAVED');
            if ($request->getPost('check') !== null) {
                $checks = Connection::check($candidate, new BitrixHttpTransport());
            }
        }
    } elseif ($request->getPost('send_all') !== null) {
        Bulk::request(Bulk::ALL, time());
        $notes[] = $m('BULK_STARTED_ALL');
    } elseif ($request->getPost('send_changed') !== null) {
        Bulk::request(Bulk::CHANGED, time());
        $notes[] = $m('BULK_STARTED_CHANGED');
    } elseif ($request->getPost('lead_secret_new') !== null) {
        // Shown in full this once, as the answer to the admin's own request; never again after.
        $values['lead_secret'] = Leads::newSecret();
        Option::set($module_id, 'lead_secret', $values['lead_secret']);
        $notes[] = $m('LEAD_SECRET_NEW_NOTE', ['#SECRET#' => $values['lead_secret']]);
    } elseif ($request->getPost('requeue') !== null) {
        $notes[] = $m('REQUEUED', ['#COUNT#' => (string) $outbox->requeue([], time())]);
    }
}

$iblocks = [];
$result = CIBlock::GetList(['SORT' => 'ASC'], []);
while ($row = $result->fetch()) {
    $iblocks[(int) $row['ID']] = "[{$row['ID']}] {$row['NAME']} ({$row['IBLOCK_TYPE_ID']})";
}
$priceTypes = [];
$result = CCatalogGroup::GetList(['SORT' => 'ASC'], []);
while ($row = $result->fetch()) {
    $priceTypes[(int) $row['ID']] = "[{$row['ID']}] " . ($row['NAME_LANG'] ?: $row['NAME']) . ($row['BASE'] === 'Y' ? ' — ' . $m('BASE_PRICE') : '');
}
$selectedIblocks = Settings::splitInts($values['iblock_ids']);
$counts = $outbox->counts();
$bulk = Bulk::state();
$host = $values['product_url_base'] !== '' ? $values['product_url_base'] : 'https://' . ($_SERVER['HTTP_HOST'] ?? 'shop.example');
$apiUrl = rtrim($host, '/') . '/bitrix/tools/' . $module_id . '/api.php';
$leadUrl = rtrim($host, '/') . '/bitrix/tools/' . $module_id . '/lead.php';

foreach ($notes as $note) {
    CAdminMessage::ShowNote($note);
}
if ($errors !== []) {
    CAdminMessage::ShowMessage(['TYPE' => 'ERROR', 'MESSAGE' => $m('NOT_SAVED'), 'DETAILS' => implode('<br>', array_map($h, $errors)), 'HTML' => true]);
}
foreach ($checks as $check) {
    CAdminMessage::ShowMessage(['TYPE' => $check['ok'] ? 'OK' : 'ERROR', 'MESSAGE' => $check['text']]);
}

$row = static function (string $name, string $label, string $input, string $hint = '') use ($errors, $h): void {
    $error = isset($errors[$name]) ? '<div class="vitrina-error">' . $h($errors[$name]) . '</div>' : '';
    $hint = $hint !== '' ? '<div class="vitrina-hint">' . $hint . '</div>' : '';
    echo '<tr><td width="40%" class="adm-detail-content-cell-l"><label for="' . $name . '">' . $h($label) . '</label></td>'
        . '<td width="60%" class="adm-detail-content-cell-r">' . $input . $error . $hint . '</td></tr>';
};
// A secret is never sent back to the browser: the field shows only whether one is stored.
$text = static fn (string $name, string $type = 'text', int $size = 50): string => '<input type="' . $type . '" id="' . $name . '" name="' . $name . '" size="' . $size
    . '" value="' . ($type === 'password' ? '' : $h($values[$name])) . '"'
    . ($type === 'password' ? ' autocomplete="new-password" placeholder="' . $h($values[$name] !== '' ? $m('SECRET_STORED') : '') . '"' : '') . '>';

$tabControl = new CAdminTabControl('vitrina_tabs', [
    ['DIV' => 'vitrina_connection', 'TAB' => $m('TAB_CONNECTION'), 'TITLE' => $m('TAB_CONNECTION_TITLE')],
    ['DIV' => 'vitrina_catalog', 'TAB' => $m('TAB_CATALOG'), 'TITLE' => $m('TAB_CATALOG_TITLE')],
    ['DIV' => 'vitrina_sending', 'TAB' => $m('TAB_SENDING'), 'TITLE' => $m('TAB_SENDING_TITLE')],
    ['DIV' => 'vitrina_widget', 'TAB' => $m('TAB_WIDGET'), 'TITLE' => $m('TAB_WIDGET_TITLE')],
    ['DIV' => 'vitrina_leads', 'TAB' => $m('TAB_LEADS'), 'TITLE' => $m('TAB_LEADS_TITLE')],
    ['DIV' => 'vitrina_rights', 'TAB' => $m('TAB_RIGHTS'), 'TITLE' => $m('TAB_RIGHTS_TITLE')],
]);
?>
<style>
    .vitrina-error { color: #c00; margin-top: 4px; }
    .vitrina-hint { color: #667; font-size: 12px; margin-top: 4px; max-width: 560px; }
    .vitrina-counts td { padding: 2px 12px 2px 0; }
    .vitrina-failed { border-collapse: collapse; font-size: 12px; }
    .vitrina-failed td, .vitrina-failed th { border: 1px solid #dce7ed; padding: 3px 6px; text-align: left; }
    code.vitrina-snippet, code.vitrina-lead-url { display: block; background: #f5f9f9; padding: 6px; word-break: break-all; max-width: 560px; }
</style>
<form method="post" action="<?= $APPLICATION->GetCurPage() ?>?mid=<?= urlencode($module_id) ?>&amp;lang=<?= LANGUAGE_ID ?>">
<?= bitrix_sessid_post() ?>
<?php
$tabControl->Begin();

$tabControl->BeginNextTab();
$row('vitrina_url', $m('VITRINA_URL'), $text('vitrina_url'), $m('VITRINA_URL_HINT'));
$row('secret', $m('SECRET'), $text('secret', 'password'), $m('SECRET_HINT'));
$row('check', '', '<input type="submit" name="check" value="' . $h($m('CHECK')) . '">', $m('CHECK_HINT'));

$tabControl->BeginNextTab();
$sourceInput = '';
foreach ([Settings::SOURCE_IBLOCK, Settings::SOURCE_SHOP_API] as $source) {
    $sourceInput .= '<label><input type="radio" name="source" value="' . $source . '"' . ($values['source'] === $source ? ' checked' : '')
        . '> ' . $h($m('SOURCE_' . strtoupper($source))) . '</label><br>';
}
$row('source', $m('SOURCE'), $sourceInput);
$options = '';
foreach ($iblocks as $id => $name) {
    $options .= '<option value="' . $id . '"' . (in_array($id, $selectedIblocks, true) ? ' selected' : '') . '>' . $h($name) . '</option>';
}
$row('iblock_ids', $m('IBLOCKS'), '<select multiple size="5" id="iblock_ids" name="iblock_ids[]">' . $options . '</select>', $m('IBLOCKS_HINT'));
$options = '<option value="">—</option>';
foreach ($priceTypes as $id => $name) {
    $options .= '<option value="' . $id . '"' . ((int) $values['price_type_id'] === $id ? ' selected' : '') . '>' . $h($name) . '</option>';
}
$row('price_type_id', $m('PRICE_TYPE'), '<select id="price_type_id" name="price_type_id">' . $options . '</select>');
$row('site_urls', $m('SITE_URLS'), $text('site_urls'), $m('SITE_URLS_HINT'));
$row('product_url_base', $m('URL_BASE'), $text('product_url_base'), $m('URL_BASE_HINT'));
foreach (['prop_height', 'prop_width', 'prop_composition', 'prop_colors', 'prop_type', 'prop_more_photo'] as $name) {
    $row($name, $m(strtoupper($name)), $text($name, 'text', 20));
}
$row('shop_api_url', $m('SHOP_API_URL'), $text('shop_api_url'), $m('SHOP_API_HINT'));
$row('shop_api_token', $m('SHOP_API_TOKEN'), $text('shop_api_token', 'password'));

$tabControl->BeginNextTab();
$countsHtml = '<table class="vitrina-counts">';
foreach ($counts as $status => $n) {
    $countsHtml .= '<tr><td>' . $h($m('STATUS_' . strtoupper($status))) . '</td><td><b>' . $n . '</b></td></tr>';
}
$countsHtml .= '</table>';
$row('outbox', $m('OUTBOX'), $countsHtml, $m('OUTBOX_HINT'));
$oldest = $outbox->oldestPending();
if ($oldest !== null) {
    $row('oldest', $m('OLDEST'), $h($m('OLDEST_ROW', [
        '#ID#' => (string) $oldest['ID'], '#PRODUCT#' => (string) $oldest['PRODUCT_ID'],
        '#AT#' => date('d.m.Y H:i', (int) $oldest['OCCURRED_AT']), '#ATTEMPTS#' => (string) $oldest['ATTEMPTS'],
    ])) . ((string) $oldest['LAST_ERROR'] !== '' ? '<div class="vitrina-error">' . $h(mb_substr((string) $oldest['LAST_ERROR'], 0, 300)) . '</div>' : ''));
}
$lastError = Log::last();
if ($lastError !== null) {
    $row('last_error', $m('LAST_ERROR'), '<div class="vitrina-error">' . $h(date('d.m.Y H:i', $lastError[1]) . ' — ' . mb_substr($lastError[0], 0, 500)) . '</div>', $m('LAST_ERROR_HINT'));
}
$cronProblem = match (Cron::problem(time())) {
    'NOT_RUNNING' => $m('CRON_NOT_RUNNING'),
    'NOT_CRON' => $m('CRON_NOT_CRON'),
    default => null,
};
if ($cronProblem !== null) {
    $row('cron', $m('CRON'), '<div class="vitrina-error">' . $h($cronProblem) . '</div>');
}
if ($bulk['mode'] !== '') {
    $progress = $m('BULK_PROGRESS', [
        '#MODE#' => $m('BULK_MODE_' . strtoupper($bulk['mode'])),
        '#CHECKED#' => $bulk['checked'], '#TOTAL#' => $bulk['total'], '#QUEUED#' => $bulk['queued'],
        '#STARTED#' => date('d.m.Y H:i', (int) $bulk['started_at']),
    ]);
    $progress .= ' ' . ($bulk['finished_at'] !== '' ? $m('BULK_FINISHED', ['#AT#' => date('d.m.Y H:i', (int) $bulk['finished_at'])]) : $m('BULK_RUNNING'));
    $row('bulk', $m('BULK'), $h($progress));
}
$row('send_all', '', '<input type="submit" name="send_all" value="' . $h($m('SEND_ALL')) . '"> '
    . '<input type="submit" name="send_changed" value="' . $h($m('SEND_CHANGED')) . '">', $m('SEND_ALL_HINT'));
$failed = $outbox->list(OutboxTable::FAILED, 10);
if ($failed !== []) {
    $table = '<table class="vitrina-failed"><tr><th>#</th><th>' . $h($m('COL_PRODUCT')) . '</th><th>' . $h($m('COL_ATTEMPTS')) . '</th><th>' . $h($m('COL_ERROR')) . '</th></tr>';
    foreach ($failed as $f) {
        $table .= '<tr><td>' . (int) $f['ID'] . '</td><td>' . (int) $f['PRODUCT_ID'] . '</td><td>' . (int) $f['ATTEMPTS'] . '</td><td>' . $h(mb_substr((string) $f['LAST_ERROR'], 0, 200)) . '</td></tr>';
    }
    $row('failed', $m('FAILED'), $table . '</table><br><input type="submit" name="requeue" value="' . $h($m('REQUEUE')) . '">');
}
$row('send_rate', $m('SEND_RATE'), $text('send_rate', 'text', 6), $m('SEND_RATE_HINT'));
$row('bulk_batch', $m('BULK_BATCH'), $text('bulk_batch', 'text', 6));
$row('batch_size', $m('BATCH_SIZE'), $text('batch_size', 'text', 6));
$row('timeout_s', $m('TIMEOUT'), $text('timeout_s', 'text', 6));
$row('manifest', $m('MANIFEST_URL'), '<code>' . $h($apiUrl) . '</code>', $m('MANIFEST_HINT'));

$tabControl->BeginNextTab();
$row('widget_enabled', $m('WIDGET_ENABLED'), '<input type="checkbox" id="widget_enabled" name="widget_enabled" value="Y"' . ($values['widget_enabled'] === 'Y' ? ' checked' : '') . '>', $m('WIDGET_HINT'));
$row('widget_url', $m('WIDGET_URL'), $text('widget_url'), $m('WIDGET_URL_HINT'));
if (preg_match('#^https?://#', $values['widget_url'])) {
    $row('snippet', $m('WIDGET_SNIPPET'), '<code class="vitrina-snippet">' . $h(Widget::snippet($values['widget_url'])) . '</code>');
}
// This page's own address is the site's as a browser sends it in Origin (admin and shop share a host).
$origin = (!empty($_SERVER['HTTPS']) && $_SERVER['HTTPS'] !== 'off' ? 'https' : 'http') . '://' . ($_SERVER['HTTP_HOST'] ?? 'shop.example');
$row('cors', $m('WIDGET_CORS'), '<code class="vitrina-origin">VITRINA_CORS_ORIGINS=' . $h($origin) . '</code>', $m('WIDGET_CORS_HINT'));

$row('similar_enabled', $m('SIMILAR_ENABLED'), '<input type="checkbox" id="similar_enabled" name="similar_enabled" value="Y"' . ($values['similar_enabled'] === 'Y' ? ' checked' : '') . '>', $m('SIMILAR_HINT'));
$row('similar_target', $m('SIMILAR_TARGET'), $text('similar_target', 'text', 30), $m('SIMILAR_TARGET_HINT'));
$row('widget_shops', $m('WIDGET_SHOPS'), $text('widget_shops', 'text', 30), $m('WIDGET_SHOPS_HINT'));

$tabControl->BeginNextTab();
$row('lead_url', $m('LEAD_URL'), '<code class="vitrina-lead-url">VITRINA_LEAD_WEBHOOK_URL=' . $h($leadUrl) . '</code>', $m('LEAD_URL_HINT'));
$stored = Option::get($module_id, 'lead_secret');
$row('lead_secret', $m('LEAD_SECRET'), ($stored !== '' ? '<code class="vitrina-lead-secret">' . $h(Leads::masked($stored)) . '</code><br>' : '') . $text('lead_secret', 'password')
    . ' <input type="submit" name="lead_secret_new" value="' . $h($m('LEAD_SECRET_NEW')) . '">', $m('LEAD_SECRET_HINT'));
$lastLead = LeadTable::last();
$row('lead_last', $m('LEAD_LAST'), $h($lastLead === null ? $m('LEAD_NONE') : $m('LEAD_LAST_ROW', ['#ID#' => (string) $lastLead['LEAD_ID'], '#AT#' => date('d.m.Y H:i', $lastLead['RECEIVED_AT'])])), $m('LEAD_MAIL_HINT'));

$tabControl->BeginNextTab();
// Bitrix's own rights tab (MODULE_GROUP_RIGHTS = 'Y'): which user groups may read or change these settings.
require $_SERVER['DOCUMENT_ROOT'] . '/bitrix/modules/main/admin/group_rights.php';

$tabControl->Buttons();
?>
<input type="submit" name="save" value="<?= $h($m('SAVE')) ?>" class="adm-btn-save"<?= $right < 'W' ? ' disabled' : '' ?>>
<?php $tabControl->End(); ?>
</form>
