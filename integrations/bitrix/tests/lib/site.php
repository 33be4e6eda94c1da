<?php

/*
 * A stand-in Bitrix shop for in-process tests: a fresh site folder and database per test, the
 * module installed through its own DoInstall, a catalog seeded the way a flower shop has it (site
 * s1, a catalog info block with properties, its trade offers, a base and a retail price type),
 * and test doubles for the module's HTTP boundary and clock.
 */

declare(strict_types=1);

require_once __DIR__ . '/testing.php';
require_once BITRIX_ROOT . '/standin/standin.php';
// The interfaces the test doubles implement (the module's autoloader loads the rest).
require_once StandIn::MODULE_DIR . '/lib/clock.php';
require_once StandIn::MODULE_DIR . '/lib/transport.php';
require_once StandIn::MODULE_DIR . '/lib/sources.php';

use Bitrix\Main\Config\Option;
use Vitrinalab\Vitrina\Clock;
use Vitrinalab\Vitrina\HttpResponse;
use Vitrinalab\Vitrina\HttpTransport;

if (!defined('B_PROLOG_INCLUDED')) {
    define('B_PROLOG_INCLUDED', true); // as on any page after the prolog: install steps check it
}
if (!defined('LANGUAGE_ID')) {
    define('LANGUAGE_ID', getenv('STANDIN_LANG') ?: 'ru');
}

const MODULE_ID = 'vitrinalab.vitrina';
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const RETAIL = 2;

/** What seed_shop() made. */
final class Shop
{
    public function __construct(
        public readonly string $root,
        public readonly string $db,
        public readonly int $catalog,
        public readonly int $offers,
        public readonly int $other,
    ) {
    }
}

final class FrozenClock implements Clock
{
    /** @var list<float> */
    public array $slept = [];
    private float $seconds = 0.0;

    public function __construct(public int $time = 1_760_000_000)
    {
    }

    public function now(): int
    {
        return $this->time;
    }

    public function seconds(): float
    {
        return $this->time + $this->seconds;
    }

    /** Time passes only when someone sleeps. */
    public function sleep(float $seconds): void
    {
        $this->slept[] = $seconds;
        $this->seconds += max(0.0, $seconds);
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

    /** @return list<array<string, mixed>> */
    public function envelopes(): array
    {
        return array_map(static fn (array $r): array => json_decode((string) $r['body'], true), $this->requests);
    }
}

function ok(string $action = 'updated'): HttpResponse
{
    return new HttpResponse(200, json_encode(['status' => 'success', 'action' => $action, 'product_id' => 1, 'reindex_queued' => true]));
}

/** A fresh site with the catalog seeded; the module not installed yet. */
function new_shop(?string $dir = null): Shop
{
    $dir ??= tmpdir();
    StandIn::makeSiteRoot($dir);
    StandIn::hit();
    StandIn::$log = [];
    StandIn::boot("{$dir}/site.db", $dir);
    StandIn::addSite('s1', 'flowers.kz', '/', 'Цветы');
    StandIn::addSite('s2', 'gifts.kz', '/', 'Подарки');
    StandIn::addPriceType(1, 'Базовая', true);
    StandIn::addPriceType(RETAIL, 'Розничная', false);
    $catalog = StandIn::addIblock('Букеты', ['s1'], '#SITE_DIR#/catalog/#ELEMENT_CODE#/', [
        'HEIGHT' => ['Высота'], 'WIDTH' => ['Ширина'], 'COMPOSITION' => ['Состав', 'S', 'Y'], 'COLOR' => ['Цвет', 'L', 'Y'],
        'TYPE' => ['Тип'], 'MORE_PHOTO' => ['Фото', 'F', 'Y'],
    ]);
    $offers = StandIn::addOffersIblock($catalog, ['s1']);
    $other = StandIn::addIblock('Новости', ['s1'], '#SITE_DIR#/news/#ELEMENT_ID#/', [], 'news');

    return new Shop($dir, "{$dir}/site.db", $catalog, $offers, $other);
}

/** Install the module the way the admin does (Marketplace → Install) and configure it. */
function install_module(Shop $shop, array $options = []): void
{
    require_once $shop->root . '/local/modules/vitrinalab.vitrina/install/index.php';
    ob_start();
    $ok = (new vitrinalab_vitrina())->DoInstall();
    ob_end_clean();
    check($ok === true, 'DoInstall: ' . (StandIn::$exception ?? ''));
    configure($shop, $options);
}

function configure(Shop $shop, array $options = []): void
{
    foreach ($options + [
        'vitrina_url' => 'http://vitrina.test',
        'secret' => SECRET,
        'iblock_ids' => (string) $shop->catalog,
        'price_type_id' => (string) RETAIL,
        'product_url_base' => 'https://flowers.kz',
    ] as $name => $value) {
        Option::set(MODULE_ID, $name, (string) $value);
    }
}

/**
 * The admin saves a product: element, catalog data and prices in one transaction, as the edit form.
 *
 * @param array<string, mixed> $props
 */
function add_product(Shop $shop, string $name, float $retail, int $quantity = 5, array $props = [], array $fields = []): int
{
    $db = StandIn::db();
    $db->startTransaction();
    $code = 'p' . bin2hex(random_bytes(3));
    $id = (new CIBlockElement())->Add($fields + [
        'IBLOCK_ID' => $shop->catalog, 'NAME' => $name, 'CODE' => $code, 'ACTIVE' => 'Y',
        'DETAIL_PICTURE' => StandIn::addFile("{$code}.jpg"),
        'PROPERTY_VALUES' => $props + ['HEIGHT' => '70 см', 'WIDTH' => '40 см', 'TYPE' => 'vitrina'],
    ]);
    check($id !== false, 'element added');
    CCatalogProduct::Add(['ID' => $id, 'QUANTITY' => $quantity]);
    CPrice::Add(['PRODUCT_ID' => $id, 'CATALOG_GROUP_ID' => 1, 'PRICE' => $retail * 0.8, 'CURRENCY' => 'KZT']);
    CPrice::Add(['PRODUCT_ID' => $id, 'CATALOG_GROUP_ID' => RETAIL, 'PRICE' => $retail, 'CURRENCY' => 'KZT']);
    $db->commitTransaction();

    return (int) $id;
}

/** A trade offer of $parent with its own stock and retail price. */
function add_offer(Shop $shop, int $parent, string $name, float $retail, int $quantity): int
{
    $id = (int) (new CIBlockElement())->Add(['IBLOCK_ID' => $shop->offers, 'NAME' => $name, 'ACTIVE' => 'Y', 'PROPERTY_VALUES' => ['CML2_LINK' => $parent]]);
    CCatalogProduct::Add(['ID' => $id, 'QUANTITY' => $quantity, 'TYPE' => CCatalogProduct::TYPE_OFFER]);
    CPrice::Add(['PRODUCT_ID' => $id, 'CATALOG_GROUP_ID' => RETAIL, 'PRICE' => $retail, 'CURRENCY' => 'KZT']);

    return $id;
}

function retail_price_id(int $productId): int
{
    return (int) \Bitrix\Catalog\PriceTable::getList(['select' => ['ID'], 'filter' => ['=PRODUCT_ID' => $productId, '=CATALOG_GROUP_ID' => RETAIL]])->fetch()['ID'];
}

/** @return list<array<string, mixed>> every outbox row, by id */
function outbox_rows(): array
{
    return \Vitrinalab\Vitrina\OutboxTable::getList(['order' => ['ID' => 'ASC']])->fetchAll();
}
