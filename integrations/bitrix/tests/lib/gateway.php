<?php

/*
 * A pass-through proxy for `php -S` in front of a live Vitrina ($GATEWAY_UPSTREAM). The e2e test
 * stops and restarts it to take "Vitrina" down and up again at the same URL, and reads its log
 * ($GATEWAY_LOG) to see what was posted, in which order, and what Vitrina answered.
 */

declare(strict_types=1);

define('VITRINA_NO_BOOT', true);
require __DIR__ . '/../../local/php_interface/vitrina/include.php';

$headers = [];
foreach (getallheaders() as $name => $value) {
    if (!in_array(strtolower($name), ['host', 'connection', 'content-length'], true)) {
        $headers[$name] = $value;
    }
}
$body = (string) file_get_contents('php://input');
$upstream = rtrim((string) getenv('GATEWAY_UPSTREAM'), '/') . $_SERVER['REQUEST_URI'];
$response = (new \Vitrina\Bitrix\StreamTransport())->request($_SERVER['REQUEST_METHOD'], $upstream, $headers, $body === '' ? null : $body, 30.0);

file_put_contents((string) getenv('GATEWAY_LOG'), json_encode([
    'request' => json_decode($body, true),
    'status' => $response->status,
    'answer' => json_decode($response->body, true),
], JSON_UNESCAPED_UNICODE) . "\n", FILE_APPEND | LOCK_EX);

http_response_code($response->status === 0 ? 502 : $response->status);
foreach (['content-type', 'retry-after'] as $name) {
    if ($response->header($name) !== null) {
        header("{$name}: " . $response->header($name));
    }
}
echo $response->body;
