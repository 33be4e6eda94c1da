<?php

use Bitrix\Main\Localization\Loc;

defined('B_PROLOG_INCLUDED') && B_PROLOG_INCLUDED === true || die();

Loc::loadMessages(__FILE__);

global $APPLICATION;
if ($exception = $APPLICATION->GetException()) {
    CAdminMessage::ShowMessage(['TYPE' => 'ERROR', 'MESSAGE' => Loc::getMessage('VITRINALAB_VITRINA_STEP_FAILED'), 'DETAILS' => $exception->GetString()]);
    return;
}
CAdminMessage::ShowNote(Loc::getMessage('VITRINALAB_VITRINA_STEP_INSTALLED'));
?>
<p><a href="/bitrix/admin/settings.php?lang=<?= LANGUAGE_ID ?>&amp;mid=vitrinalab.vitrina"><?= Loc::getMessage('VITRINALAB_VITRINA_STEP_GO_SETTINGS') ?></a></p>
