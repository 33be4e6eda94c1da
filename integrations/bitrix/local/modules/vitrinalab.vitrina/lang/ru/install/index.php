<?php

$MESS['VITRINALAB_VITRINA_MODULE_NAME'] = 'Витрина: поиск по фото';
$MESS['VITRINALAB_VITRINA_MODULE_DESCRIPTION'] = 'Передаёт товары каталога в Витрину (поиск по фото) надёжно и без ожидания в админке.';
$MESS['VITRINALAB_VITRINA_PARTNER_NAME'] = 'Витрина';
$MESS['VITRINALAB_VITRINA_INSTALL_PHP'] = 'Модулю нужен PHP 8.1 или новее, на сайте #VERSION#.';
$MESS['VITRINALAB_VITRINA_INSTALL_NEEDS'] = 'Сначала установите модуль «#MODULE#».';
$MESS['VITRINALAB_VITRINA_INSTALL_TITLE'] = 'Установка модуля «Витрина»';
$MESS['VITRINALAB_VITRINA_UNINSTALL_TITLE'] = 'Удаление модуля «Витрина»';
$MESS['VITRINALAB_VITRINA_INSTALL_UTF8'] = 'Сайт работает в кодировке windows-1251, а Витрина принимает только UTF-8: названия товаров пришли бы искажёнными. Модуль работает на сайтах в UTF-8 (Настройки → Настройки продукта → Сайты).';
$MESS['VITRINALAB_VITRINA_INSTALL_ERROR'] = 'Установка не удалась и отменена: #ERROR#';
