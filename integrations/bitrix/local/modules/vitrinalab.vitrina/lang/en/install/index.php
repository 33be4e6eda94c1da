<?php

$MESS['VITRINALAB_VITRINA_MODULE_NAME'] = 'Vitrina: search by photo';
$MESS['VITRINALAB_VITRINA_MODULE_DESCRIPTION'] = 'Sends catalog products to Vitrina (search by photo) reliably, without making the admin wait.';
$MESS['VITRINALAB_VITRINA_PARTNER_NAME'] = 'Vitrina';
$MESS['VITRINALAB_VITRINA_INSTALL_PHP'] = 'The module needs PHP 8.1 or newer; the site runs #VERSION#.';
$MESS['VITRINALAB_VITRINA_INSTALL_NEEDS'] = 'Install the "#MODULE#" module first.';
$MESS['VITRINALAB_VITRINA_INSTALL_TITLE'] = 'Installing the Vitrina module';
$MESS['VITRINALAB_VITRINA_UNINSTALL_TITLE'] = 'Removing the Vitrina module';
$MESS['VITRINALAB_VITRINA_INSTALL_UTF8'] = 'The site runs in windows-1251 and Vitrina takes UTF-8 only: product names would arrive garbled. The module works on UTF-8 sites (Settings → Product settings → Sites).';
$MESS['VITRINALAB_VITRINA_INSTALL_ERROR'] = 'The install failed and was undone: #ERROR#';
