<?php

declare(strict_types=1);

namespace Vitrinalab\Vitrina;

use Bitrix\Catalog\PriceTable;
use Bitrix\Catalog\ProductTable;
use Bitrix\Main\Loader;

/** Prices and availability of catalog items, read in one query each per page of ids. */
final class Prices
{
    /** Vitrina shows prices in tenge. */
    public const CURRENCY = 'KZT';

    /** @var array<int, string> product (or offer) id => why its price cannot be sent */
    private array $refusals = [];

    public function __construct(private readonly int $priceTypeId)
    {
    }

    /**
     * The chosen price type's price for one item (quantity 1: a product may have rows per
     * quantity range), in tenge: another currency is converted with the currency module's rate.
     * A price with no rate to KZT is refused (see refusal()), never sent as if it were tenge.
     *
     * @param list<int> $ids
     * @return array<int, array{PRICE: float|int, CURRENCY: string}>
     */
    public function of(array $ids): array
    {
        $prices = [];
        if ($ids === []) {
            return $prices; // never '@PRODUCT_ID' => []: Bitrix builds `IN ()`, which MySQL refuses
        }
        $result = PriceTable::getList([
            'select' => ['PRODUCT_ID', 'PRICE', 'CURRENCY', 'QUANTITY_FROM', 'QUANTITY_TO'],
            'filter' => ['@PRODUCT_ID' => $ids, '=CATALOG_GROUP_ID' => $this->priceTypeId],
        ]);
        $rows = [];
        while ($row = $result->fetch()) {
            $from = (int) ($row['QUANTITY_FROM'] ?? 0);
            $to = (int) ($row['QUANTITY_TO'] ?? 0);
            if (($from <= 1) && ($to === 0 || $to >= 1)) {
                $rows[(int) $row['PRODUCT_ID']] ??= $row; // the row a buyer of one item pays
            }
        }
        foreach ($rows as $productId => $row) {
            $amount = (float) $row['PRICE'];
            $currency = (string) $row['CURRENCY'];
            if ($currency !== self::CURRENCY && $amount > 0) {
                $converted = Loader::includeModule('currency') ? (float) \CCurrencyRates::ConvertCurrency($amount, $currency, self::CURRENCY) : 0.0;
                if ($converted <= 0) {
                    $this->refusals[$productId] = "price {$row['PRICE']} {$currency}: no rate to KZT in the currency module (Магазин → Валюты)";
                    continue;
                }
                $amount = round($converted, 2);
            }
            $prices[$productId] = ['PRICE' => floor($amount) === $amount ? (int) $amount : $amount, 'CURRENCY' => self::CURRENCY];
        }

        return $prices;
    }

    /** Why a product's price cannot be sent (no rate to KZT), or null. */
    public function refusal(int $productId): ?string
    {
        return $this->refusals[$productId] ?? null;
    }

    /**
     * Availability as Bitrix computes it (AVAILABLE: in stock, or sold without stock).
     *
     * @param list<int> $ids
     * @return array<int, bool>
     */
    public function availability(array $ids): array
    {
        $stock = [];
        if ($ids === []) {
            return $stock; // never '@ID' => [] (`IN ()` on MySQL)
        }
        $result = ProductTable::getList(['select' => ['ID', 'AVAILABLE'], 'filter' => ['@ID' => $ids]]);
        while ($row = $result->fetch()) {
            $stock[(int) $row['ID']] = $row['AVAILABLE'] === 'Y';
        }

        return $stock;
    }
}
