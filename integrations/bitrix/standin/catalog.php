<?php

/*
 * Stand-in `catalog` module: prices, catalog products (quantity, availability), price types,
 * trade offers (SKU), in the classic API (CPrice, CCatalogProduct, CCatalogSKU, CCatalogGroup, with
 * the OnPrice* / OnProduct* events) and D7 (PriceTable, ProductTable: DataManager with
 * '\Bitrix\Catalog\Price::OnAfterUpdate' etc.).
 */

declare(strict_types=1);

namespace Bitrix\Catalog {

    use Bitrix\Main\ORM\Fields\FloatField;
    use Bitrix\Main\ORM\Fields\IntegerField;
    use Bitrix\Main\ORM\Fields\StringField;

    final class PriceTable extends \Bitrix\Main\ORM\Data\DataManager
    {
        public static function getTableName(): string
        {
            return 'b_catalog_price';
        }

        public static function getMap(): array
        {
            return [
                new IntegerField('ID', ['primary' => true, 'autocomplete' => true]),
                new IntegerField('PRODUCT_ID'), new IntegerField('CATALOG_GROUP_ID'),
                new FloatField('PRICE'), new StringField('CURRENCY'), new IntegerField('TIMESTAMP_X'),
                new IntegerField('QUANTITY_FROM'), new IntegerField('QUANTITY_TO'),
            ];
        }
    }

    final class ProductTable extends \Bitrix\Main\ORM\Data\DataManager
    {
        public const TYPE_PRODUCT = 1;
        public const TYPE_SKU = 3;
        public const TYPE_OFFER = 4;

        public static function getTableName(): string
        {
            return 'b_catalog_product';
        }

        public static function getMap(): array
        {
            return [
                new IntegerField('ID', ['primary' => true]), new FloatField('QUANTITY'), new StringField('AVAILABLE'),
                new StringField('CAN_BUY_ZERO'), new IntegerField('TYPE'), new IntegerField('TIMESTAMP_X'),
            ];
        }
    }
}

namespace {

    final class CPrice
    {
        /** @param array<string, mixed> $arFields PRODUCT_ID, CATALOG_GROUP_ID, PRICE, CURRENCY */
        public static function Add(array $arFields): int|false
        {
            $db = StandIn::db();
            $quantity = static fn (string $key): string => isset($arFields[$key]) && $arFields[$key] !== '' ? (string) (int) $arFields[$key] : 'NULL';
            $db->queryExecute('INSERT INTO b_catalog_price (PRODUCT_ID, CATALOG_GROUP_ID, PRICE, CURRENCY, TIMESTAMP_X, QUANTITY_FROM, QUANTITY_TO) VALUES ('
                . (int) $arFields['PRODUCT_ID'] . ', ' . (int) ($arFields['CATALOG_GROUP_ID'] ?? 1) . ', ' . (float) $arFields['PRICE']
                . ", '" . $db->getSqlHelper()->forSql($arFields['CURRENCY'] ?? 'KZT') . "', " . StandIn::now() . ', ' . $quantity('QUANTITY_FROM') . ', ' . $quantity('QUANTITY_TO') . ')');
            $id = $db->getInsertedId();
            foreach (GetModuleEvents('catalog', 'OnPriceAdd', true) as $arEvent) {
                ExecuteModuleEventEx($arEvent, [$id, $arFields]);
            }

            return $id;
        }

        /** @param array<string, mixed> $arFields PRICE and/or CURRENCY */
        public static function Update(int $ID, array $arFields): int|false
        {
            $db = StandIn::db();
            $set = ['TIMESTAMP_X = ' . StandIn::now()];
            if (isset($arFields['PRICE'])) {
                $set[] = 'PRICE = ' . (float) $arFields['PRICE'];
            }
            if (isset($arFields['CURRENCY'])) {
                $set[] = "CURRENCY = '" . $db->getSqlHelper()->forSql($arFields['CURRENCY']) . "'";
            }
            $db->queryExecute('UPDATE b_catalog_price SET ' . implode(', ', $set) . " WHERE ID = {$ID}");
            foreach (GetModuleEvents('catalog', 'OnPriceUpdate', true) as $arEvent) {
                ExecuteModuleEventEx($arEvent, [$ID, $arFields]);
            }

            return $ID;
        }

        /** Through the price model, as Bitrix: the D7 Price::OnBeforeDelete / OnAfterDelete fire. */
        public static function Delete(int $ID): bool
        {
            \Bitrix\Catalog\PriceTable::delete($ID);

            return true;
        }

        /** @return array<string, mixed>|false ['ID', 'PRODUCT_ID', 'CATALOG_GROUP_ID', 'PRICE' => '4950.00', 'CURRENCY'] */
        public static function GetBasePrice(int $productID): array|false
        {
            $row = StandIn::db()->query('SELECT p.* FROM b_catalog_price p JOIN b_catalog_group g ON g.ID = p.CATALOG_GROUP_ID'
                . " WHERE g.BASE = 'Y' AND p.PRODUCT_ID = {$productID} ORDER BY p.ID LIMIT 1")->fetch();
            if ($row !== false) {
                $row['PRICE'] = number_format((float) $row['PRICE'], 2, '.', '');
            }

            return $row;
        }
    }

    final class CCatalogProduct
    {
        public const TYPE_PRODUCT = 1;
        public const TYPE_SKU = 3;
        public const TYPE_OFFER = 4;

        /** @return array<string, mixed>|false ID, QUANTITY, AVAILABLE ('Y'/'N'), CAN_BUY_ZERO, TYPE */
        public static function GetByID(int $ID): array|false
        {
            return StandIn::db()->query("SELECT * FROM b_catalog_product WHERE ID = {$ID}")->fetch();
        }

        /** @param array<string, mixed> $arFields ID, QUANTITY, CAN_BUY_ZERO, TYPE */
        public static function Add(array $arFields, bool $boolCheck = true): bool
        {
            $id = (int) $arFields['ID'];
            StandIn::db()->standin("INSERT OR IGNORE INTO b_catalog_product (ID, QUANTITY, AVAILABLE, CAN_BUY_ZERO, TYPE, TIMESTAMP_X) VALUES ({$id}, 0, 'N', 'N', "
                . (int) ($arFields['TYPE'] ?? self::TYPE_PRODUCT) . ', ' . StandIn::now() . ')');
            self::write($id, $arFields);
            foreach (GetModuleEvents('catalog', 'OnProductAdd', true) as $arEvent) {
                ExecuteModuleEventEx($arEvent, [$id, $arFields]);
            }

            return true;
        }

        /** @param array<string, mixed> $arFields QUANTITY, CAN_BUY_ZERO */
        public static function Update(int $ID, array $arFields): bool
        {
            self::write($ID, $arFields);
            foreach (GetModuleEvents('catalog', 'OnProductUpdate', true) as $arEvent) {
                ExecuteModuleEventEx($arEvent, [$ID, $arFields]);
            }

            return true;
        }

        /** AVAILABLE is computed by Bitrix: in stock, or sold without stock. */
        private static function write(int $id, array $fields): void
        {
            $db = StandIn::db();
            $set = ['TIMESTAMP_X = ' . StandIn::now()];
            if (isset($fields['QUANTITY'])) {
                $set[] = 'QUANTITY = ' . (float) $fields['QUANTITY'];
            }
            if (isset($fields['CAN_BUY_ZERO'])) {
                $set[] = "CAN_BUY_ZERO = '" . ($fields['CAN_BUY_ZERO'] === 'Y' ? 'Y' : 'N') . "'";
            }
            $db->queryExecute('UPDATE b_catalog_product SET ' . implode(', ', $set) . " WHERE ID = {$id}");
            $db->queryExecute("UPDATE b_catalog_product SET AVAILABLE = CASE WHEN QUANTITY > 0 OR CAN_BUY_ZERO = 'Y' THEN 'Y' ELSE 'N' END WHERE ID = {$id}");
        }
    }

    /** The `currency` module's conversion: by the latest rate of each currency to KZT (the base). */
    final class CCurrencyRates
    {
        /** 0.0 when a currency has no rate, as Bitrix (its conversion factor is then 0). */
        public static function ConvertCurrency(float|int|string $valSum, string $curFrom, string $curTo, string $valDate = ''): float
        {
            if ($curFrom === $curTo) {
                return (float) $valSum;
            }
            $from = self::rate($curFrom);
            $to = self::rate($curTo);

            return $from === 0.0 || $to === 0.0 ? 0.0 : (float) $valSum * $from / $to;
        }

        private static function rate(string $currency): float
        {
            if ($currency === 'KZT') {
                return 1.0;
            }
            $row = StandIn::db()->query("SELECT RATE, RATE_CNT FROM b_catalog_currency_rate WHERE CURRENCY = '" . StandIn::db()->getSqlHelper()->forSql($currency)
                . "' ORDER BY DATE_RATE DESC, ID DESC LIMIT 1")->fetch();

            return $row === false ? 0.0 : (float) $row['RATE'] / max(1, (int) $row['RATE_CNT']);
        }
    }

    final class CCatalogGroup
    {
        /** Price types: ID, NAME, BASE ('Y' for the base one), NAME_LANG. */
        public static function GetList(array $arOrder = [], array $arFilter = []): \Bitrix\Main\DB\Result
        {
            return StandIn::db()->query('SELECT ID, NAME, BASE, NAME_LANG FROM b_catalog_group ORDER BY SORT, ID');
        }
    }

    final class CCatalogSKU
    {
        /** @return array{IBLOCK_ID: int, PRODUCT_IBLOCK_ID: int, SKU_PROPERTY_ID: int}|false */
        public static function GetInfoByProductIBlock(int $ID): array|false
        {
            $row = StandIn::db()->query("SELECT * FROM b_catalog_iblock WHERE PRODUCT_IBLOCK_ID = {$ID}")->fetch();

            return $row === false ? false : ['IBLOCK_ID' => (int) $row['IBLOCK_ID'], 'PRODUCT_IBLOCK_ID' => (int) $row['PRODUCT_IBLOCK_ID'], 'SKU_PROPERTY_ID' => (int) $row['SKU_PROPERTY_ID']];
        }

        /** @return array{IBLOCK_ID: int, PRODUCT_IBLOCK_ID: int, SKU_PROPERTY_ID: int}|false */
        public static function GetInfoByOfferIBlock(int $ID): array|false
        {
            $row = StandIn::db()->query("SELECT * FROM b_catalog_iblock WHERE IBLOCK_ID = {$ID} AND PRODUCT_IBLOCK_ID > 0")->fetch();

            return $row === false ? false : ['IBLOCK_ID' => (int) $row['IBLOCK_ID'], 'PRODUCT_IBLOCK_ID' => (int) $row['PRODUCT_IBLOCK_ID'], 'SKU_PROPERTY_ID' => (int) $row['SKU_PROPERTY_ID']];
        }

        /** The parent of an offer: ['ID' => parent id, 'IBLOCK_ID' => parent iblock, 'OFFER_IBLOCK_ID', 'SKU_PROPERTY_ID'] or false. */
        public static function GetProductInfo(int $intOfferID, int $intIBlockID = 0): array|false
        {
            $db = StandIn::db();
            $row = $db->query('SELECT v.VALUE AS PARENT, c.PRODUCT_IBLOCK_ID, c.IBLOCK_ID, c.SKU_PROPERTY_ID FROM b_iblock_element e'
                . ' JOIN b_catalog_iblock c ON c.IBLOCK_ID = e.IBLOCK_ID JOIN b_iblock_element_property v ON v.IBLOCK_PROPERTY_ID = c.SKU_PROPERTY_ID'
                . " AND v.IBLOCK_ELEMENT_ID = e.ID WHERE e.ID = {$intOfferID}")->fetch();

            return $row === false ? false : ['ID' => (int) $row['PARENT'], 'IBLOCK_ID' => (int) $row['PRODUCT_IBLOCK_ID'], 'OFFER_IBLOCK_ID' => (int) $row['IBLOCK_ID'], 'SKU_PROPERTY_ID' => (int) $row['SKU_PROPERTY_ID']];
        }

        /**
         * @param int|list<int> $productID
         * @param array<string, mixed> $skuFilter e.g. ['ACTIVE' => 'Y']
         * @return array<int, array<int, array<string, mixed>>>|false parent id => offer id => ['ID', 'IBLOCK_ID', 'PARENT_ID', ...fields]
         */
        public static function getOffersList(int|array $productID, int $iblockID = 0, array $skuFilter = [], array $fields = [], array $propertyFilter = []): array|false
        {
            $ids = array_map('intval', (array) $productID);
            $info = $iblockID > 0 ? self::GetInfoByProductIBlock($iblockID) : false;
            if ($info === false || $ids === []) {
                return false;
            }
            $db = StandIn::db();
            $where = "e.IBLOCK_ID = {$info['IBLOCK_ID']} AND v.VALUE IN ('" . implode("', '", $ids) . "')";
            if (isset($skuFilter['ACTIVE'])) {
                $where .= " AND e.ACTIVE = '" . ($skuFilter['ACTIVE'] === 'Y' ? 'Y' : 'N') . "'";
            }
            $rows = $db->query('SELECT e.*, v.VALUE AS PARENT_ID FROM b_iblock_element e JOIN b_iblock_element_property v'
                . " ON v.IBLOCK_ELEMENT_ID = e.ID AND v.IBLOCK_PROPERTY_ID = {$info['SKU_PROPERTY_ID']} WHERE {$where} ORDER BY e.SORT, e.ID")->fetchAll();
            $result = [];
            foreach ($rows as $row) {
                $offer = ['ID' => (int) $row['ID'], 'IBLOCK_ID' => (int) $row['IBLOCK_ID'], 'PARENT_ID' => (int) $row['PARENT_ID']];
                foreach ($fields as $field) {
                    $offer[$field] = $row[$field] ?? null;
                }
                $result[(int) $row['PARENT_ID']][(int) $row['ID']] = $offer;
            }

            return $result;
        }
    }
}
