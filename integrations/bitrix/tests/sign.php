<?php

/*
 * Sign stdin with the module's Signer and print the headers as JSON — so Python can verify a
 * signature made by PHP:  php sign.php MSG_ID TIMESTAMP SECRET [SECRET ...] < body
 */

declare(strict_types=1);

define('VITRINA_NO_BOOT', true);
require __DIR__ . '/../local/php_interface/vitrina/include.php';

[$_, $msgId, $timestamp] = $argv;
$secrets = array_slice($argv, 3);
echo json_encode(\Vitrina\Bitrix\Signer::headers($secrets, $msgId, (int) $timestamp, (string) stream_get_contents(STDIN))), "\n";
