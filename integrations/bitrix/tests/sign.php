<?php

/*
 * Sign stdin with the module's Signer and print the headers as JSON — so Python can verify a
 * signature made by PHP:  php sign.php MSG_ID TIMESTAMP SECRET [SECRET ...] < body
 */

declare(strict_types=1);

require __DIR__ . '/../local/modules/vitrinalab.vitrina/lib/signer.php';

[$_, $msgId, $timestamp] = $argv;
$secrets = array_slice($argv, 3);
echo json_encode(\Vitrinalab\Vitrina\Signer::headers($secrets, $msgId, (int) $timestamp, (string) stream_get_contents(STDIN))), "\n";
