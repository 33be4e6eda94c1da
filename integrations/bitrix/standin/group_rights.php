<?php

/*
 * The stand-in's bitrix/modules/main/admin/group_rights.php: the rights tab a module's options.php
 * includes inside its CAdminTabControl (uses the page's $module_id). Like Bitrix: one row per user
 * group with the module's access levels (D denied, R read, W full); a POST with the page's
 * "save" button stores them.
 */

declare(strict_types=1);

/** @var string $module_id set by the including options.php */
$standinGroups = [1 => 'Администраторы', 2 => 'Все пользователи (в том числе неавторизованные)', 3 => 'Контент-редакторы'];
$standinLevels = ['D' => 'доступ закрыт', 'R' => 'чтение', 'W' => 'полный доступ'];
$standinDb = StandIn::db();
$standinDb->standin('CREATE TABLE IF NOT EXISTS b_group_right (MODULE_ID VARCHAR(50), GROUP_ID INTEGER, G_ACCESS CHAR(1), PRIMARY KEY (MODULE_ID, GROUP_ID))');
$standinModule = $standinDb->getSqlHelper()->forSql((string) $module_id);
if (($_SERVER['REQUEST_METHOD'] ?? 'GET') === 'POST' && isset($_POST['save']) && check_bitrix_sessid()) {
    foreach ((array) ($_POST['RIGHTS'] ?? []) as $group => $level) {
        if (isset($standinGroups[(int) $group], $standinLevels[$level])) {
            $standinDb->standin("INSERT OR REPLACE INTO b_group_right (MODULE_ID, GROUP_ID, G_ACCESS) VALUES ('{$standinModule}', " . (int) $group . ", '{$level}')");
        }
    }
}
$standinStored = [];
foreach ($standinDb->query("SELECT GROUP_ID, G_ACCESS FROM b_group_right WHERE MODULE_ID = '{$standinModule}'")->fetchAll() as $standinRow) {
    $standinStored[(int) $standinRow['GROUP_ID']] = (string) $standinRow['G_ACCESS'];
}
foreach ($standinGroups as $standinId => $standinName) {
    $standinCurrent = $standinStored[$standinId] ?? ($standinId === 1 ? 'W' : 'D');
    echo '<tr><td width="40%" class="adm-detail-content-cell-l">' . htmlspecialcharsbx($standinName) . ' [' . $standinId . ']:</td><td class="adm-detail-content-cell-r">'
        . '<select name="RIGHTS[' . $standinId . ']" class="group-right"' . ($standinId === 1 ? ' disabled' : '') . '>';
    foreach ($standinLevels as $standinLevel => $standinLabel) {
        echo '<option value="' . $standinLevel . '"' . ($standinLevel === $standinCurrent ? ' selected' : '') . '>[' . $standinLevel . '] ' . htmlspecialcharsbx($standinLabel) . '</option>';
    }
    echo '</select></td></tr>';
}
