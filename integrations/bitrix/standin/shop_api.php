<?php

/*
 * The shop's REST API, as much of it as the module reads: GET /api/v2/products/detail?id=N in the
 * format of shared/bitrix/product-detail.json, built from the stand-in's SQLite site database.
 * A router for PHP's built-in server:
 *
 *   VITRINA_STANDIN_DB=/tmp/site.db SHOP_API_TOKEN=t php -S 127.0.0.1:8081 standin/shop_api.php
 *
 * SHOP_API_TOKEN, when set, is required as "Authorization: Bearer <token>". A file "<db>.down"
 * makes every answer a 503 (the shop's API being down).
 */

declare(strict_types=1);

$dbPath = (string) getenv('VITRINA_STANDIN_DB');
$reply = static function (int $status, array $json): void {
    http_response_code($status);
    header('Content-Type: application/json; charset=utf-8');
    echo json_encode($json, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES);
};

if (is_file($dbPath . '.down')) {
    $reply(503, ['success' => false, 'error' => 'maintenance']);
    return;
}
$token = getenv('SHOP_API_TOKEN');
if ($token !== false && $token !== '' && ($_SERVER['HTTP_AUTHORIZATION'] ?? '') !== 'Bearer ' . $token) {
    $reply(401, ['success' => false, 'error' => 'unauthorized']);
    return;
}
$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
if ($path !== '/api/v2/products/detail') {
    $reply(404, ['success' => false, 'error' => 'not found']);
    return;
}

$id = (int) ($_GET['id'] ?? 0);
$pdo = new PDO('sqlite:' . $dbPath, null, null, [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION, PDO::ATTR_TIMEOUT => 10]);
$statement = $pdo->prepare(
    'SELECT e.*, (SELECT PRICE FROM b_catalog_price p WHERE p.PRODUCT_ID = e.ID ORDER BY p.ID LIMIT 1) AS PRICE,'
    . ' (SELECT AVAILABLE FROM b_catalog_product c WHERE c.ID = e.ID) AS AVAILABLE'
    . ' FROM b_iblock_element e WHERE e.ID = ? AND e.WF_PARENT_ELEMENT_ID IS NULL'
);
$statement->execute([$id]);
$row = $statement->fetch(PDO::FETCH_ASSOC);
if ($row === false) {
    $reply(404, ['success' => false, 'error' => 'product not found']);
    return;
}

$host = 'http://' . ($_SERVER['HTTP_HOST'] ?? '127.0.0.1');
$image = $row['IMAGE'] !== '' ? $row['IMAGE'] : "{$host}/upload/iblock/{$row['ID']}.jpg";
// The shop formats prices for display, with a no-break space between thousands.
$price = $row['PRICE'] === null ? null : number_format((float) $row['PRICE'], 0, '', "\u{00A0}") . ' ₸';
$reply(200, [
    'success' => true,
    'data' => [
        'id' => (int) $row['ID'],
        'image' => $image,
        'images' => [$image],
        'title' => $row['NAME'],
        'price' => $price,
        'isAvailable' => $row['ACTIVE'] === 'Y' && ($row['AVAILABLE'] ?? 'Y') !== 'N',
        'createdAt' => date('Y-m-d\TH:i:sO', (int) $row['DATE_CREATE']),
        'type' => $row['TYPE'],
        'width' => '',
        'height' => '',
        'video' => null,
        'duration' => null,
        'discount' => null,
        'composition' => null,
        'colors' => false,
        'catalogWidth' => null,
        'catalogHeight' => null,
        'productionTime' => null,
    ],
]);
