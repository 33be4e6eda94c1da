<?php

use Bitrix\Main\Localization\Loc;

defined('B_PROLOG_INCLUDED') && B_PROLOG_INCLUDED === true || die();

Loc::loadMessages(__FILE__);

global $APPLICATION;
?>
<form action="<?= $APPLICATION->GetCurPage() ?>" method="get">
    <?= bitrix_sessid_post() ?>
    <input type="hidden" name="lang" value="<?= LANGUAGE_ID ?>">
    <input type="hidden" name="id" value="vitrinalab.vitrina">
    <input type="hidden" name="uninstall" value="Y">
    <input type="hidden" name="step" value="2">
    <?php CAdminMessage::ShowMessage(['TYPE' => 'ERROR', 'MESSAGE' => Loc::getMessage('VITRINALAB_VITRINA_UNSTEP_WARNING')]); ?>
    <p><?= Loc::getMessage('VITRINALAB_VITRINA_UNSTEP_SAVE_HINT') ?></p>
    <p>
        <input type="checkbox" name="savedata" id="savedata" value="Y" checked>
        <label for="savedata"><?= Loc::getMessage('VITRINALAB_VITRINA_UNSTEP_SAVE') ?></label>
    </p>
    <input type="submit" name="inst" value="<?= Loc::getMessage('VITRINALAB_VITRINA_UNSTEP_DELETE') ?>">
</form>
