<?php

/*
 * Vitrina for 1C-Bitrix: require this file from local/php_interface/init.php after the VITRINA_*
 * constants (see README.md). No Composer: the classes are loaded here, in dependency order.
 */

declare(strict_types=1);

foreach (['Config', 'Signer', 'Clock', 'Backoff', 'Http', 'ProductSource', 'Log', 'Outbox', 'Sender', 'EventHandlers', 'Module'] as $vitrinaFile) {
    require_once __DIR__ . '/lib/' . $vitrinaFile . '.php';
}
unset($vitrinaFile);

if (!defined('VITRINA_NO_BOOT')) {
    \Vitrina\Bitrix\Module::boot();
}
