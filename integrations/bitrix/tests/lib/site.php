<?php

/*
 * A stand-in Bitrix site for in-process tests: the module loaded without booting from constants,
 * a fresh SQLite site database per test, a frozen clock, and test doubles for the HTTP boundary.
 */

declare(strict_types=1);

require_once __DIR__ . '/testing.php';
require_once BITRIX_ROOT . '/standin/bitrix.php';
if (!defined('VITRINA_NO_BOOT')) {
    define('VITRINA_NO_BOOT', true);
}
require_once BITRIX_ROOT . '/local/php_interface/vitrina/include.php';

use Vitrina\Bitrix\Clock;
use Vitrina\Bitrix\Config;
use Vitrina\Bitrix\EventHandlers;
use Vitrina\Bitrix\HttpResponse;
use Vitrina\Bitrix\HttpTransport;
use Vitrina\Bitrix\Outbox;
use Vitrina\Bitrix\ProductSource;
use Vitrina\Bitrix\ProductSourceUnavailable;

const CATALOG_IBLOCK = 10;
const OTHER_IBLOCK = 11;
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

final class FrozenClock implements Clock
{
    public function __construct(public int $time = 1_760_000_000)
    {
    }

    public function now(): int
    {
        return $this->time;
    }
}

/** Answers scripted per call; records every request. */
final class ScriptedTransport implements HttpTransport
{
    /** @var list<array{method: string, url: string, headers: array<string, string>, body: ?string}> */
    public array $requests = [];

    /** @var list<HttpResponse> */
    public array $script = [];

    public function __construct(public ?HttpResponse $default = null)
    {
        $this->default ??= ok('updated');
    }

    public function request(string $method, string $url, array $headers, ?string $body, float $timeoutS): HttpResponse
    {
        $this->requests[] = compact('method', 'url', 'headers', 'body');

        return array_shift($this->script) ?? $this->default;
    }

    /** @return list<array<string, mixed>> decoded bodies */
    public function envelopes(): array
    {
        return array_map(static fn (array $r): array => json_decode((string) $r['body'], true), $this->requests);
    }
}

/** Products as the shop API would answer; null = deleted; 'down' = unavailable. */
final class MapProducts implements ProductSource
{
    /** @var array<int, array<string, mixed>|null|string> */
    public array $products = [];
    public int $calls = 0;

    public function fetch(int $productId): ?array
    {
        $this->calls++;
        $product = array_key_exists($productId, $this->products) ? $this->products[$productId] : ['id' => $productId, 'title' => "Букет {$productId}", 'price' => '4 950 ₸', 'isAvailable' => true];
        if ($product === 'down') {
            throw new ProductSourceUnavailable('shop API: HTTP 503');
        }

        return $product;
    }
}

function ok(string $action = 'updated'): HttpResponse
{
    return new HttpResponse(200, json_encode(['status' => 'success', 'action' => $action, 'product_id' => 1, 'reindex_queued' => false]));
}

/** A fresh site database with the outbox installed and our handlers registered. */
function new_site(?FrozenClock $clock = null, ?string $path = null): CDatabase
{
    \Bitrix\Main\EventManager::reset();
    StandIn::$log = [];
    $db = StandIn::boot($path ?? tmpdir() . '/site.db');
    (new Outbox($db))->install();
    $now = $clock !== null ? static fn (): int => $clock->now() : null;
    (new EventHandlers(CATALOG_IBLOCK, static fn (): Outbox => new Outbox($GLOBALS['DB']), $now))->register();

    return $db;
}

function config(array $overrides = []): Config
{
    return new Config(...$overrides + [
        'vitrinaUrl' => 'http://vitrina.test',
        'secrets' => [SECRET],
        'catalogIblockId' => CATALOG_IBLOCK,
        'shopApiUrl' => 'http://shop.test',
    ]);
}

/** @return list<array<string, mixed>> every outbox row, by id */
function outbox_rows(CDatabase $db): array
{
    $result = $db->Query('SELECT * FROM vitrina_outbox ORDER BY id');
    $rows = [];
    while ($row = $result->Fetch()) {
        $rows[] = $row;
    }

    return $rows;
}

/** The admin saves a new product with its price, in one transaction as the edit form does. */
function save_product(CDatabase $db, string $name, float $price, int $iblock = CATALOG_IBLOCK): int
{
    $db->StartTransaction();
    $id = (new CIBlockElement())->Add(['IBLOCK_ID' => $iblock, 'NAME' => $name, 'TYPE' => 'vitrina']);
    \Bitrix\Catalog\PriceTable::add(['PRODUCT_ID' => $id, 'PRICE' => $price, 'CURRENCY' => 'KZT', 'CATALOG_GROUP_ID' => 1]);
    $db->Commit();

    return (int) $id;
}
