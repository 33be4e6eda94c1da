<?php

$MESS['VITRINALAB_VITRINA_STEP_FAILED'] = 'Модуль не установлен';
$MESS['VITRINALAB_VITRINA_STEP_INSTALLED'] = 'Модуль установлен. Укажите адрес Витрины и секрет в настройках модуля.';
$MESS['VITRINALAB_VITRINA_STEP_GO_SETTINGS'] = 'Перейти к настройкам модуля';
