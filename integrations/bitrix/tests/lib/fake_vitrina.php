<?php

/*
 * A stand-in Vitrina webhook endpoint for `php -S`, for the HTTP tests that need to control the
 * answers. It checks the signature (as Vitrina does), logs each request to
 * $FAKE_VITRINA_DIR/requests.jsonl and answers per $FAKE_VITRINA_DIR/mode.json:
 * {"status": 200, "retry_after": null, "sleep_ms": 0}.
 */

declare(strict_types=1);

define('VITRINA_NO_BOOT', true);
require __DIR__ . '/../../local/php_interface/vitrina/include.php';

$dir = (string) getenv('FAKE_VITRINA_DIR');
$mode = (is_file("{$dir}/mode.json") ? json_decode((string) file_get_contents("{$dir}/mode.json"), true) : null) ?? [];
$mode += ['status' => 200, 'retry_after' => null, 'sleep_ms' => 0];
$body = (string) file_get_contents('php://input');
$id = $_SERVER['HTTP_WEBHOOK_ID'] ?? '';
$ts = (int) ($_SERVER['HTTP_WEBHOOK_TIMESTAMP'] ?? 0);
$expected = \Vitrina\Bitrix\Signer::sign((string) getenv('FAKE_VITRINA_SECRET'), $id, $ts, $body);
$signed = in_array($expected, explode(' ', $_SERVER['HTTP_WEBHOOK_SIGNATURE'] ?? ''), true);

$log = fopen("{$dir}/requests.jsonl", 'ab');
flock($log, LOCK_EX);
fwrite($log, json_encode(['at' => microtime(true), 'pid' => getmypid(), 'path' => $_SERVER['REQUEST_URI'], 'signed' => $signed, 'envelope' => json_decode($body, true)], JSON_UNESCAPED_UNICODE) . "\n");
flock($log, LOCK_UN);
fclose($log);

usleep((int) $mode['sleep_ms'] * 1000);
header('Content-Type: application/json');
if (!$signed) {
    http_response_code(401);
    echo '{"detail":"webhook-signature: no signature matches a configured secret."}';
    return;
}
http_response_code((int) $mode['status']);
if ($mode['retry_after'] !== null) {
    header('Retry-After: ' . $mode['retry_after']);
}
echo json_encode(['status' => $mode['status'] < 300 ? 'success' : 'error', 'action' => 'updated', 'product_id' => $id, 'reindex_queued' => true]);
