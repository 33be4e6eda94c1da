<?php

/*
 * Stand-in for the catalog exchange with 1C (`bitrix:catalog.import.1c`, served at
 * /bitrix/admin/1c_exchange.php?type=catalog&mode=...): 1C uploads CommerceML 2 files and asks
 * for each to be imported.
 *
 *   mode=checkauth | init            the handshake ("success", "zip=no\nfile_limit=...")
 *   mode=file&filename=import.xml    the file (request body), kept under upload/1c_catalog/
 *   mode=import&filename=...         OnBeforeCatalogImport1C, the import, then, only when the
 *                                    whole file went in, OnSuccessCatalogImport1C; "success" or
 *                                    "failure\n<why>"
 *   mode=complete                    OnCompleteCatalogImport1C (1C sends it after the last file)
 *
 * Faithful where the module depends on it: the events fire once per file, a failed file fires no
 * success; elements are matched by XML_ID (the `Ид` 1C sends) and written through
 * CIBlockElement::Add/Update/Delete and SetPropertyValuesEx, prices and stock through the
 * catalog API, so every handler Bitrix would call is called. Not modelled: sections, pictures,
 * step-by-step import of a file over several requests.
 */

declare(strict_types=1);

final class CatalogExchange1C
{
    /** Where 1C's price type (ИдТипаЦены) lands: the price type with that name, else this id. */
    public function __construct(private readonly int $catalogIblock, private readonly int $defaultPriceType = 2)
    {
    }

    /** @return string the answer 1C reads */
    public function handle(string $mode, string $filename, string $body): string
    {
        $dir = \Bitrix\Main\Application::getDocumentRoot() . '/upload/1c_catalog';
        $file = $dir . '/' . basename($filename);
        switch ($mode) {
            case 'checkauth':
                return "success\nPHPSESSID\nstandin";
            case 'init':
                return "zip=no\nfile_limit=104857600";
            case 'file':
                @mkdir($dir, 0777, true);
                file_put_contents($file, $body);
                return 'success';
            case 'import':
                return $this->import($file);
            case 'complete':
                foreach (GetModuleEvents('catalog', 'OnCompleteCatalogImport1C', true) as $arEvent) {
                    ExecuteModuleEventEx($arEvent, [[], $dir]);
                }
                return 'success';
        }

        return "failure\nunknown mode {$mode}";
    }

    private function import(string $file): string
    {
        foreach (GetModuleEvents('catalog', 'OnBeforeCatalogImport1C', true) as $arEvent) {
            ExecuteModuleEventEx($arEvent, [[], $file]);
        }
        try {
            $xml = is_file($file) ? @simplexml_load_file($file) : false;
            if ($xml === false) {
                throw new RuntimeException('the file is not CommerceML: ' . basename($file));
            }
            if (isset($xml->{'Каталог'})) {
                $this->products($xml->{'Каталог'});
            }
            if (isset($xml->{'ПакетПредложений'})) {
                $this->offers($xml->{'ПакетПредложений'});
            }
        } catch (Throwable $e) {
            return "failure\n" . $e->getMessage(); // no success event: the exchange failed
        }
        foreach (GetModuleEvents('catalog', 'OnSuccessCatalogImport1C', true) as $arEvent) {
            ExecuteModuleEventEx($arEvent, [[], $file]);
        }

        return 'success';
    }

    private function products(SimpleXMLElement $catalog): void
    {
        foreach ($catalog->{'Товары'}->{'Товар'} ?? [] as $item) {
            $xmlId = (string) $item->{'Ид'};
            $id = $this->elementByXmlId($this->catalogIblock, $xmlId);
            if ((string) $item->{'Статус'} === 'Удален' || (string) $item['Статус'] === 'Удален') {
                if ($id !== null) {
                    CIBlockElement::Delete($id);
                }
                continue;
            }
            $properties = [];
            foreach ($item->{'ЗначенияСвойств'}->{'ЗначенияСвойства'} ?? [] as $value) {
                $properties[(string) $value->{'Ид'}] = (string) $value->{'Значение'};
            }
            $fields = ['NAME' => (string) $item->{'Наименование'}, 'ACTIVE' => 'Y'];
            if ($id === null) {
                $id = (int) (new CIBlockElement())->Add($fields + ['IBLOCK_ID' => $this->catalogIblock, 'XML_ID' => $xmlId, 'CODE' => 'cml-' . $xmlId]);
                CCatalogProduct::Add(['ID' => $id, 'QUANTITY' => 0]);
            } else {
                (new CIBlockElement())->Update($id, $fields);
            }
            if ($properties !== []) {
                CIBlockElement::SetPropertyValuesEx($id, $this->catalogIblock, $properties);
            }
        }
    }

    /** Offers: `Ид` "<product>#<offer>" is a trade offer, a bare "<product>" the product's own price and stock. */
    private function offers(SimpleXMLElement $package): void
    {
        $sku = CCatalogSKU::GetInfoByProductIBlock($this->catalogIblock);
        foreach ($package->{'Предложения'}->{'Предложение'} ?? [] as $offer) {
            [$productXml, $offerXml] = array_pad(explode('#', (string) $offer->{'Ид'}, 2), 2, null);
            $parent = $this->elementByXmlId($this->catalogIblock, (string) $productXml);
            if ($parent === null) {
                throw new RuntimeException("offer {$offer->{'Ид'}}: no product {$productXml}");
            }
            $id = $parent;
            if ($offerXml !== null) {
                if ($sku === false) {
                    throw new RuntimeException('the catalog has no trade offers info block');
                }
                $id = $this->elementByXmlId($sku['IBLOCK_ID'], (string) $offer->{'Ид'});
                if ((string) $offer->{'Статус'} === 'Удален') {
                    if ($id !== null) {
                        CIBlockElement::Delete($id);
                    }
                    continue;
                }
                if ($id === null) {
                    $id = (int) (new CIBlockElement())->Add(['IBLOCK_ID' => $sku['IBLOCK_ID'], 'NAME' => (string) $offer->{'Наименование'}, 'ACTIVE' => 'Y',
                        'XML_ID' => (string) $offer->{'Ид'}, 'PROPERTY_VALUES' => ['CML2_LINK' => $parent]]);
                    CCatalogProduct::Add(['ID' => $id, 'QUANTITY' => 0, 'TYPE' => CCatalogProduct::TYPE_OFFER]);
                } else {
                    (new CIBlockElement())->Update($id, ['NAME' => (string) $offer->{'Наименование'}]);
                }
            }
            if (isset($offer->{'Количество'})) {
                CCatalogProduct::Update($id, ['QUANTITY' => (float) $offer->{'Количество'}]);
            }
            foreach ($offer->{'Цены'}->{'Цена'} ?? [] as $price) {
                $this->price($id, $price);
            }
        }
    }

    private function price(int $productId, SimpleXMLElement $price): void
    {
        $type = $this->priceType((string) $price->{'ИдТипаЦены'});
        $fields = ['PRICE' => (float) str_replace([' ', ','], ['', '.'], (string) $price->{'ЦенаЗаЕдиницу'}), 'CURRENCY' => self::currency((string) $price->{'Валюта'})];
        $row = \Bitrix\Catalog\PriceTable::getList(['select' => ['ID'], 'filter' => ['=PRODUCT_ID' => $productId, '=CATALOG_GROUP_ID' => $type], 'limit' => 1])->fetch();
        if ($row === false) {
            CPrice::Add(['PRODUCT_ID' => $productId, 'CATALOG_GROUP_ID' => $type] + $fields);
        } else {
            CPrice::Update((int) $row['ID'], $fields);
        }
    }

    private function priceType(string $name): int
    {
        $row = StandIn::db()->query("SELECT ID FROM b_catalog_group WHERE NAME = '" . StandIn::db()->getSqlHelper()->forSql($name) . "'")->fetch();

        return $row === false ? $this->defaultPriceType : (int) $row['ID'];
    }

    /** 1C writes «тнг» or «KZT». */
    private static function currency(string $code): string
    {
        return match (mb_strtolower(trim($code))) {
            'тнг', 'тг', '' => 'KZT',
            'руб' => 'RUB',
            default => strtoupper(trim($code)),
        };
    }

    private function elementByXmlId(int $iblockId, string $xmlId): ?int
    {
        $row = StandIn::db()->query("SELECT ID FROM b_iblock_element WHERE IBLOCK_ID = {$iblockId} AND XML_ID = '" . StandIn::db()->getSqlHelper()->forSql($xmlId) . "'")->fetch();

        return $row === false ? null : (int) $row['ID'];
    }
}
