<?php

$MESS['VITRINALAB_VITRINA_UNSTEP_WARNING'] = 'Модуль будет удалён';
$MESS['VITRINALAB_VITRINA_UNSTEP_SAVE_HINT'] = 'Очередь отправки и отметки о переданных товарах можно сохранить, чтобы после повторной установки не отправлять всё заново.';
$MESS['VITRINALAB_VITRINA_UNSTEP_SAVE'] = 'Сохранить таблицы модуля';
$MESS['VITRINALAB_VITRINA_UNSTEP_DELETE'] = 'Удалить';
