<?php

declare(strict_types=1);

namespace Vitrinalab\Vitrina;


/**
 * Products read from Bitrix itself, in the format Vitrina's webhook parser reads
 * (product-detail.json's `data`), plus `url` (the product page), `siteId` (the info block's first
 * site), `sites` (every site of the info block with the product's page there), `currency` and
 * `stamp` (a hash of everything else: changes with any field Vitrina sees, so it is the change
 * stamp of the manifest — price and stock changes included, which TIMESTAMP_X misses).
 *
 * Reads are batched (one element query, one price query, one stock query per page of ids), so
 * a manifest page of 500 products costs a handful of queries. Trade offers roll up to their
 * parent: the lowest price among offers on sale, available when any offer is.
 */
final class Catalog
{
    private const SELECT = ['ID', 'IBLOCK_ID', 'NAME', 'CODE', 'ACTIVE', 'DETAIL_PICTURE', 'PREVIEW_PICTURE', 'DETAIL_PAGE_URL', 'DATE_CREATE'];

    /** @var array<int, list<array{LID: string, DIR: string}>> info block id => its sites, first first */
    private array $sites = [];
    /** @var array<string, string> site id => scheme://host for links */
    private array $bases = [];
    /** @var array<int, array<int, mixed>> product id => its active offers, from the last products() */
    private array $offerIds = [];
    /** @var array<int, array{IBLOCK_ID: int, PRODUCT_IBLOCK_ID: int, SKU_PROPERTY_ID: int}|false> */
    private array $skuInfo = [];

    private readonly Prices $prices;

    public function __construct(private readonly Settings $settings)
    {
        $this->prices = new Prices($settings->priceTypeId);
    }

    /**
     * The sites an info block is bound to (b_iblock_site: one row per site, in no set order),
     * its main site (b_iblock.LID) first: DETAIL_PAGE_URL is built with that site's folder.
     * Each site is a shop in Vitrina (VITRINA_BITRIX_SITE_SHOPS).
     *
     * @return list<array{LID: string, DIR: string}>
     */
    public function sitesOf(int $iblockId): array
    {
        if (!\array_key_exists($iblockId, $this->sites)) {
            $main = (string) ((\CIBlock::GetArrayByID($iblockId) ?: [])['LID'] ?? '');
            $sites = [];
            $result = \CIBlock::GetSite($iblockId);
            while ($row = $result->fetch()) {
                $site = ['LID' => (string) $row['LID'], 'DIR' => (string) ($row['DIR'] ?? '/')];
                if ($site['LID'] === $main) {
                    array_unshift($sites, $site);
                } else {
                    $sites[] = $site;
                }
            }
            $this->sites[$iblockId] = $sites;
        }

        return $this->sites[$iblockId];
    }

    /**
     * The address links of a site's products start with: the per-site setting, else the site's
     * own server name (Settings → Sites), else the module's fallback; '' leaves links relative
     * (Vitrina resolves them against its VITRINA_SHOP_BASE_URL).
     */
    public function baseOf(?string $siteId): string
    {
        $siteId ??= '';
        if (!isset($this->bases[$siteId])) {
            $base = $this->settings->siteUrls[$siteId] ?? '';
            if ($base === '' && $siteId !== '') {
                $site = \CSite::GetByID($siteId)->Fetch();
                $host = \is_array($site) ? trim((string) ($site['SERVER_NAME'] ?? '')) : '';
                $base = $host !== '' ? (preg_match('#^https?://#i', $host) ? rtrim($host, '/') : 'https://' . $host) : '';
            }
            $this->bases[$siteId] = $base !== '' ? $base : $this->settings->productUrlBase;
        }

        return $this->bases[$siteId];
    }

    /** The product Vitrina knows for an element: itself, its parent for a trade offer, else null. */
    public function productIdOf(int $elementId, int $iblockId = 0): ?int
    {
        if ($iblockId === 0) {
            $iblockId = (int) \CIBlockElement::GetIBlockByID($elementId);
        }
        if (\in_array($iblockId, $this->settings->iblockIds, true)) {
            return $elementId;
        }
        foreach ($this->settings->iblockIds as $catalogIblock) {
            $sku = $this->sku($catalogIblock);
            if ($sku !== false && $sku['IBLOCK_ID'] === $iblockId) {
                $parent = \CCatalogSKU::GetProductInfo($elementId, $iblockId);

                return $parent === false ? null : (int) $parent['ID'];
            }
        }

        return null;
    }

    /**
     * Active products after $after by id, for "send everything" and the manifest.
     *
     * @param list<int>|null $iblockIds null = every configured catalog info block
     * @return list<int>
     */
    public function activeIds(int $after, int $limit, ?array $iblockIds = null): array
    {
        $iblockIds ??= $this->settings->iblockIds;
        if ($iblockIds === []) {
            return [];
        }
        $result = \CIBlockElement::GetList(['ID' => 'ASC'], ['IBLOCK_ID' => $iblockIds, 'ACTIVE' => 'Y', '>ID' => $after], false, ['nTopCount' => $limit], ['ID']);
        $ids = [];
        while ($row = $result->Fetch()) {
            $ids[] = (int) $row['ID'];
        }

        return $ids;
    }

    /**
     * Which of these ids are active catalog products.
     *
     * @param list<int> $ids
     * @return list<int>
     */
    public function activeAmong(array $ids): array
    {
        if ($ids === [] || $this->settings->iblockIds === []) {
            return [];
        }
        $result = \CIBlockElement::GetList(['ID' => 'ASC'], ['IBLOCK_ID' => $this->settings->iblockIds, 'ID' => $ids, 'ACTIVE' => 'Y'], false, false, ['ID']);
        $active = [];
        while ($row = $result->Fetch()) {
            $active[] = (int) $row['ID'];
        }

        return $active;
    }

    /** @param list<int>|null $iblockIds */
    public function countActive(?array $iblockIds = null): int
    {
        $iblockIds ??= $this->settings->iblockIds;

        return $iblockIds === [] ? 0 : (int) \CIBlockElement::GetList([], ['IBLOCK_ID' => $iblockIds, 'ACTIVE' => 'Y'], []);
    }

    /** @return list<int> the catalog info blocks of one site (all of them for null) */
    public function iblocksOfSite(?string $siteId): array
    {
        if ($siteId === null) {
            return $this->settings->iblockIds;
        }

        return array_values(array_filter(
            $this->settings->iblockIds,
            fn (int $id): bool => \in_array($siteId, array_column($this->sitesOf($id), 'LID'), true),
        ));
    }

    /**
     * One manifest page: active products of a site after an id, with their change stamps.
     *
     * @return array{site: ?string, items: list<array{id: int, stamp: string}>, next_after: ?int, total: int}
     */
    public function manifest(int $after, int $limit, ?string $siteId): array
    {
        $iblocks = $this->iblocksOfSite($siteId);
        $ids = $this->activeIds($after, $limit, $iblocks);
        $items = [];
        foreach ($this->products($ids) as $id => $product) {
            if ($product !== null) {
                $items[] = ['id' => $id, 'stamp' => (string) $product['stamp']];
            }
        }

        return [
            'site' => $siteId,
            'items' => $items,
            'next_after' => \count($ids) === $limit ? end($ids) : null,
            'total' => $this->countActive($iblocks),
        ];
    }

    /**
     * Payloads of these products, null for an id that is not (any more) a catalog product.
     *
     * @param list<int> $ids
     * @return array<int, array<string, mixed>|null>
     */
    public function products(array $ids): array
    {
        $out = array_fill_keys($ids, null);
        if ($ids === [] || $this->settings->iblockIds === []) {
            return $out;
        }
        $elements = [];
        $result = \CIBlockElement::GetList(['ID' => 'ASC'], ['IBLOCK_ID' => $this->settings->iblockIds, 'ID' => $ids], false, false, self::SELECT);
        while ($element = $result->GetNextElement()) {
            $fields = $element->GetFields();
            $elements[(int) $fields['~ID']] = ['fields' => $fields, 'props' => $element->GetProperties()];
        }
        if ($elements === []) {
            return $out; // all gone: each is sent as product.deleted
        }
        $offers = $this->offers(array_keys($elements), $elements);
        foreach (array_keys($elements) as $id) {
            $this->offerIds[$id] = $offers[$id] ?? [];
        }
        $catalogIds = array_keys($elements);
        foreach ($offers as $list) {
            $catalogIds = array_merge($catalogIds, array_keys($list));
        }
        $prices = $this->prices->of($catalogIds);
        $stock = $this->prices->availability($catalogIds);
        foreach ($elements as $id => $element) {
            $out[$id] = $this->payload($id, $element['fields'], $element['props'], $offers[$id] ?? [], $prices, $stock);
        }

        return $out;
    }

    /**
     * @param array<string, mixed> $fields GetNext() row: '~' keys are raw
     * @param array<string, array<string, mixed>> $props
     * @param array<int, array<string, mixed>> $offers
     * @param array<int, array{PRICE: float, CURRENCY: string}> $prices
     * @param array<int, bool> $stock
     * @return array<string, mixed>
     */
    private function payload(int $id, array $fields, array $props, array $offers, array $prices, array $stock): array
    {
        [$price, $available] = $this->priceAndAvailability($id, $offers, $prices, $stock);
        $sites = $this->sitesOf((int) $fields['~IBLOCK_ID']);
        $siteId = $sites[0]['LID'] ?? null;
        $base = $this->baseOf($siteId);
        $images = [];
        $main = (int) ($fields['~DETAIL_PICTURE'] ?: $fields['~PREVIEW_PICTURE']);
        foreach (array_merge([$main], (array) ($this->prop($props, 'more_photo') ?: [])) as $fileId) {
            $path = (int) $fileId > 0 ? \CFile::GetPath((int) $fileId) : null;
            if ($path !== null && $path !== '' && !\in_array($url = $this->absolute($path, $base), $images, true)) {
                $images[] = $url;
            }
        }
        $created = MakeTimeStamp((string) $fields['~DATE_CREATE']);
        $type = $this->prop($props, 'type');
        $payload = [
            'id' => $id,
            'title' => (string) $fields['~NAME'],
            'price' => $price === null ? 0 : $price['PRICE'],
            'currency' => $price['CURRENCY'] ?? null,
            'isAvailable' => $fields['~ACTIVE'] === 'Y' && $available && $price !== null,
            'createdAt' => $created ? date('Y-m-d\TH:i:sO', (int) $created) : null,
            'type' => \is_string($type) && $type !== '' ? $type : null,
            'image' => $images[0] ?? null,
            'images' => $images,
            'catalogHeight' => $this->scalar($this->prop($props, 'height')),
            'catalogWidth' => $this->scalar($this->prop($props, 'width')),
            'composition' => $this->scalar($this->prop($props, 'composition')),
            'colors' => $this->colours($this->prop($props, 'colors')),
            'url' => $this->absolute((string) $fields['~DETAIL_PAGE_URL'], $base),
            'siteId' => $siteId,
            'offers' => \count($offers),
        ];
        if ($sites !== []) {
            $payload['sites'] = $this->pages((string) $fields['~DETAIL_PAGE_URL'], $sites);
        }
        $payload['stamp'] = sha1(json_encode($payload, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR));

        return $payload;
    }

    /**
     * @param array<int, array<string, mixed>> $offers
     * @param array<int, array{PRICE: float, CURRENCY: string}> $prices
     * @param array<int, bool> $stock
     * @return array{0: array{PRICE: float, CURRENCY: string}|null, 1: bool}
     */
    private function priceAndAvailability(int $id, array $offers, array $prices, array $stock): array
    {
        if ($offers === []) {
            return [$prices[$id] ?? null, $stock[$id] ?? false];
        }
        // A product with trade offers is sold through them: the lowest price of an offer on sale
        // (of any priced offer when none is), available when any priced offer is.
        $onSale = array_filter(array_keys($offers), static fn (int $o): bool => isset($prices[$o]) && ($stock[$o] ?? false));
        $pool = $onSale !== [] ? $onSale : array_filter(array_keys($offers), static fn (int $o): bool => isset($prices[$o]));
        $best = null;
        foreach ($pool as $offerId) {
            if ($best === null || $prices[$offerId]['PRICE'] < $best['PRICE']) {
                $best = $prices[$offerId];
            }
        }

        return [$best, $onSale !== []];
    }

    /**
     * @param list<int> $ids
     * @param array<int, array{fields: array<string, mixed>}> $elements
     * @return array<int, array<int, array<string, mixed>>> parent id => offer id => offer
     */
    private function offers(array $ids, array $elements): array
    {
        $byIblock = [];
        foreach ($ids as $id) {
            $byIblock[(int) $elements[$id]['fields']['~IBLOCK_ID']][] = $id;
        }
        $offers = [];
        foreach ($byIblock as $iblockId => $parents) {
            if ($this->sku($iblockId) === false) {
                continue;
            }
            $list = \CCatalogSKU::getOffersList($parents, $iblockId, ['ACTIVE' => 'Y'], ['NAME']);
            foreach (\is_array($list) ? $list : [] as $parentId => $items) {
                $offers[(int) $parentId] = $items;
            }
        }

        return $offers;
    }

    /** @return array{IBLOCK_ID: int, PRODUCT_IBLOCK_ID: int, SKU_PROPERTY_ID: int}|false */
    private function sku(int $iblockId): array|false
    {
        return $this->skuInfo[$iblockId] ??= \CCatalogSKU::GetInfoByProductIBlock($iblockId);
    }

    /** Why a product (or offer) read by products() cannot be sent as it is, or null. */
    public function refusal(int $productId): ?string
    {
        return $this->prices->refusal($productId);
    }

    /** @return array<int, mixed> the active trade offers (by id) of a product read by products() */
    public function offerIdsOf(int $productId): array
    {
        return $this->offerIds[$productId] ?? [];
    }

    /**
     * A mapped property's value. For a list property the type takes the value's XML_ID
     * ("vitrina"), the code Vitrina filters on, rather than its text ("Витрина").
     *
     * @param array<string, array<string, mixed>> $props
     */
    private function prop(array $props, string $field): mixed
    {
        $code = $this->settings->properties[$field] ?? '';
        if ($code === '' || !isset($props[$code])) {
            return null;
        }
        $prop = $props[$code];
        if ($field === 'type' && ($prop['PROPERTY_TYPE'] ?? '') === 'L' && !empty($prop['VALUE_XML_ID'])) {
            return $prop['VALUE_XML_ID'];
        }

        return $prop['~VALUE'];
    }

    /**
     * The flower colours as the shop names them ("Белый", or several of a multiple property);
     * false when unset, as Bitrix's own product API sends it.
     *
     * @return list<string>|false
     */
    private function colours(mixed $value): array|false
    {
        $names = array_values(array_filter(
            array_map(static fn (mixed $v): string => trim((string) $v), \is_array($value) ? $value : [$value]),
            static fn (string $v): bool => $v !== '',
        ));

        return $names === [] ? false : $names;
    }

    private function scalar(mixed $value): ?string
    {
        if (\is_array($value)) {
            $value = implode(', ', $value);
        }

        return $value === null || $value === false || $value === '' ? null : (string) $value;
    }

    /**
     * Site paths get the site's scheme and host; a URL already absolute (a CDN) is kept. The path
     * is percent-encoded segment by segment (Cyrillic file names); a query string
     * (`/catalog/detail.php?ID=5`, a site without SEF) and a fragment are kept as they are.
     */
    /**
     * The product's page on each site: that site's address base, and its folder where the
     * address starts with the first site's (Bitrix builds DETAIL_PAGE_URL for the first site;
     * "#SITE_DIR#" of the template is the site's folder, "/" for a site on its own domain).
     *
     * @param list<array{LID: string, DIR: string}> $sites
     * @return list<array{siteId: string, url: string}>
     */
    private function pages(string $path, array $sites): array
    {
        $firstDir = rtrim($sites[0]['DIR'], '/') . '/';
        $pages = [];
        foreach ($sites as $site) {
            $here = $path;
            if ($site['DIR'] !== $sites[0]['DIR'] && str_starts_with($path, $firstDir)) {
                $here = rtrim($site['DIR'], '/') . '/' . substr($path, \strlen($firstDir));
            }
            $pages[] = ['siteId' => $site['LID'], 'url' => $this->absolute($here, $this->baseOf($site['LID']))];
        }

        return $pages;
    }

    private function absolute(string $path, string $base): string
    {
        if (preg_match('#^https?://#i', $path)) {
            return $path;
        }
        $tail = '';
        $cut = strcspn($path, '?#');
        if ($cut < \strlen($path)) {
            $tail = (string) preg_replace_callback('/[^\x21-\x7e]/', static fn (array $m): string => rawurlencode($m[0]), substr($path, $cut));
            $path = substr($path, 0, $cut);
        }
        $parts = array_map(static fn (string $p): string => rawurlencode(rawurldecode($p)), explode('/', $path));

        return $base . '/' . ltrim(implode('/', $parts), '/') . $tail;
    }
}
