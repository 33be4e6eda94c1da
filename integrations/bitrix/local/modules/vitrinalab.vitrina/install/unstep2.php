<?php

use Bitrix\Main\Localization\Loc;

defined('B_PROLOG_INCLUDED') && B_PROLOG_INCLUDED === true || die();

Loc::loadMessages(__FILE__);

CAdminMessage::ShowNote(Loc::getMessage('VITRINALAB_VITRINA_UNSTEP_DONE'));
