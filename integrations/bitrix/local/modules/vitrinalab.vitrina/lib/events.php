<?php

declare(strict_types=1);

namespace Vitrinalab\Vitrina;

/**
 * Event handlers, registered once by DoInstall. They run inside the admin's save: they only
 * record the change in the outbox (one INSERT through Bitrix's connection, committed with the
 * change) — no HTTP, nothing slow.
 */
final class Events
{
    /**
     * [from module, event, method]: what DoInstall registers and DoUninstall removes. Events whose
     * name is an entity ('\Bitrix\Catalog\Price::OnAfterAdd') are D7 events: their handlers take
     * the Event object. The others are classic events: registered as "compatible", their handlers
     * take the classic arguments ($arFields, $ID, ...).
     */
    public const HANDLERS = [
        ['iblock', 'OnAfterIBlockElementAdd', 'onElementAdd'],
        ['iblock', 'OnAfterIBlockElementUpdate', 'onElementUpdate'],
        ['iblock', 'OnBeforeIBlockElementDelete', 'onBeforeElementDelete'],
        ['iblock', 'OnAfterIBlockElementDelete', 'onElementDelete'],
        ['iblock', 'OnAfterIBlockElementSetPropertyValuesEx', 'onPropertyValues'],
        ['iblock', 'OnAfterIBlockElementSetPropertyValues', 'onPropertyValuesSet'],
        ['catalog', 'OnPriceAdd', 'onPrice'],
        ['catalog', 'OnPriceUpdate', 'onPrice'],
        ['catalog', 'OnProductAdd', 'onProduct'],
        ['catalog', 'OnProductUpdate', 'onProduct'],
        ['catalog', '\Bitrix\Catalog\Price::OnAfterAdd', 'onPriceEntity'],
        ['catalog', '\Bitrix\Catalog\Price::OnAfterUpdate', 'onPriceEntity'],
        ['catalog', '\Bitrix\Catalog\Price::OnBeforeDelete', 'onBeforePriceDelete'],
        ['catalog', '\Bitrix\Catalog\Price::OnAfterDelete', 'onPriceDelete'],
        ['catalog', '\Bitrix\Catalog\Product::OnAfterUpdate', 'onProductEntity'],
        ['catalog', 'OnBeforeCatalogImport1C', 'onImportStart'],
        ['catalog', 'OnSuccessCatalogImport1C', 'onImportSuccess'],
        ['catalog', 'OnCompleteCatalogImport1C', 'onImportSuccess'],
        ['main', 'OnBeforeProlog', 'onBeforeProlog'],
        ['main', 'OnEndBufferContent', 'onEndBufferContent'],
    ];

    private static ?Catalog $catalog = null;

    /** @var array<int, int> trade offer being deleted => its parent product (known only before) */
    private static array $deletingOffers = [];

    /** @var array<int, int> price row being deleted => its product (the row is gone after) */
    private static array $deletingPrices = [];

    /** @param array<string, mixed> $arFields */
    public static function onElementAdd(array &$arFields): void
    {
        $fields = $arFields;
        self::safely('OnAfterIBlockElementAdd', static fn () => self::onElement(Outbox::CREATED, $fields));
    }

    /** @param array<string, mixed> $arFields */
    public static function onElementUpdate(array &$arFields): void
    {
        $fields = $arFields;
        self::safely('OnAfterIBlockElementUpdate', static fn () => self::onElement(Outbox::UPDATED, $fields));
    }

    /** A trade offer's link to its parent is gone after the delete: note the parent now. */
    public static function onBeforeElementDelete(int $id): bool
    {
        self::safely('OnBeforeIBlockElementDelete', static function () use ($id): void {
            $parent = self::catalog()->productIdOf($id);
            if ($parent !== null && $parent !== $id) {
                self::$deletingOffers[$id] = $parent;
            }
        });

        return true; // never vetoes the delete
    }

    /** @param array<string, mixed> $arFields the deleted element's last fields */
    public static function onElementDelete(array $arFields): void
    {
        self::safely('OnAfterIBlockElementDelete', static fn () => self::elementDeleted($arFields));
    }

    /** @param array<string, mixed> $arFields */
    private static function elementDeleted(array $arFields): void
    {
        $id = (int) ($arFields['ID'] ?? 0);
        if (isset(self::$deletingOffers[$id])) {
            self::record(Outbox::UPDATED, self::$deletingOffers[$id]); // the parent lost an offer
            unset(self::$deletingOffers[$id]);
            return;
        }
        $settings = Settings::load();
        if (\in_array((int) ($arFields['IBLOCK_ID'] ?? 0), $settings->iblockIds, true) && (int) ($arFields['WF_PARENT_ELEMENT_ID'] ?? 0) === 0) {
            self::record(Outbox::DELETED, $id);
        }
    }

    /** @param array<string, mixed> $values */
    public static function onPropertyValues(int $elementId, int $iblockId, array $values, mixed $flags = []): void
    {
        self::safely('OnAfterIBlockElementSetPropertyValuesEx', static fn () => self::onCatalogChange($elementId, $iblockId));
    }

    /** SetPropertyValues (not ...Ex) fires only this; the values are the element's. */
    public static function onPropertyValuesSet(int $elementId, int $iblockId, mixed $values = [], mixed $propertyCode = false): void
    {
        self::safely('OnAfterIBlockElementSetPropertyValues', static fn () => self::onCatalogChange($elementId, $iblockId));
    }

    /** @param array<string, mixed> $arFields */
    public static function onPrice(int $id, array $arFields = []): void
    {
        self::safely('price', static fn () => self::priceChanged($id, $arFields));
    }

    /** @param array<string, mixed> $arFields */
    private static function priceChanged(int $id, array $arFields): void
    {
        $productId = (int) ($arFields['PRODUCT_ID'] ?? 0);
        if ($productId === 0) {
            $row = \Bitrix\Catalog\PriceTable::getList(['select' => ['PRODUCT_ID'], 'filter' => ['=ID' => $id]])->fetch();
            $productId = (int) ($row['PRODUCT_ID'] ?? 0);
        }
        self::onCatalogChange($productId);
    }

    /** @param array<string, mixed> $arFields */
    public static function onProduct(int $id, array $arFields = []): void
    {
        self::safely('product', static fn () => self::onCatalogChange($id));
    }

    public static function onPriceEntity(\Bitrix\Main\Event $event): void
    {
        $fields = (array) $event->getParameter('fields');
        self::onPrice(self::primary($event->getParameter('id')), $fields);
    }

    /** A price row about to go: note its product, which the row no longer tells afterwards. */
    public static function onBeforePriceDelete(\Bitrix\Main\Event $event): void
    {
        self::safely('Price::OnBeforeDelete', static function () use ($event): void {
            $id = self::primary($event->getParameter('id'));
            $row = \Bitrix\Catalog\PriceTable::getList(['select' => ['PRODUCT_ID'], 'filter' => ['=ID' => $id]])->fetch();
            if ($row !== false) {
                self::$deletingPrices[$id] = (int) $row['PRODUCT_ID'];
            }
        });
    }

    /** A price deleted (admin, API, 1C): the product's price changed. */
    public static function onPriceDelete(\Bitrix\Main\Event $event): void
    {
        self::safely('Price::OnAfterDelete', static function () use ($event): void {
            $id = self::primary($event->getParameter('id'));
            $fields = (array) $event->getParameter('fields');
            $productId = (int) ($fields['PRODUCT_ID'] ?? (self::$deletingPrices[$id] ?? 0));
            unset(self::$deletingPrices[$id]);
            self::onCatalogChange($productId);
        });
    }

    public static function onProductEntity(\Bitrix\Main\Event $event): void
    {
        self::safely('Product::OnAfterUpdate', static fn () => self::onCatalogChange(self::primary($event->getParameter('id'))));
    }

    /** D7 (entity) events take an Event object; the rest are classic. */
    public static function isD7(string $event): bool
    {
        return str_contains($event, '::');
    }

    /** A 1C file starts: its thousands of element saves are not queued one by one (see Imports). */
    public static function onImportStart(): void
    {
        self::safely('OnBeforeCatalogImport1C', static fn () => Imports::open(time()));
    }

    /** A 1C file, or the whole exchange, finished: queue what changed, found by comparing stamps. */
    public static function onImportSuccess(): void
    {
        self::safely('OnSuccessCatalogImport1C', static fn () => Imports::close(time()));
    }

    /** Adds the storefront search widget to public pages when enabled on the settings page. */
    public static function onBeforeProlog(): void
    {
        self::safely('OnBeforeProlog', static fn () => Widget::inject());
    }

    /** «Похожие букеты» on a catalog product page, when enabled (see Widget). */
    public static function onEndBufferContent(string &$content): void
    {
        self::safely('OnEndBufferContent', static function () use (&$content): void {
            $content = Widget::withSimilar($content, $GLOBALS['CATALOG_CURRENT_ELEMENT_ID'] ?? null);
        });
    }

    /**
     * A handler runs inside the admin's save or a 1C import: whatever goes wrong here is logged
     * and swallowed, never the reason the save or the import fails. A miss is healed by "send
     * what changed".
     */
    private static function safely(string $event, \Closure $body): void
    {
        try {
            $body();
        } catch (\Throwable $e) {
            Log::error("{$event} handler: " . \get_class($e) . ': ' . $e->getMessage());
        }
    }

    private static function catalog(): Catalog
    {
        return self::$catalog ??= new Catalog(Settings::load());
    }

    /** @param array<string, mixed> $arFields */
    private static function onElement(string $eventType, array $arFields): void
    {
        if (($arFields['RESULT'] ?? false) === false || (int) ($arFields['WF_PARENT_ELEMENT_ID'] ?? 0) > 0) {
            return; // the save failed (Bitrix calls us anyway), or a workflow history copy
        }
        $elementId = (int) ($arFields['ID'] ?? 0);
        $iblockId = (int) ($arFields['IBLOCK_ID'] ?? 0);
        $settings = Settings::load();
        if ($elementId <= 0) {
            return;
        }
        if (\in_array($iblockId, $settings->iblockIds, true)) {
            self::record($eventType, $elementId);
            return;
        }
        self::onCatalogChange($elementId, $iblockId); // a trade offer changes its parent
    }

    private static function onCatalogChange(int $elementId, int $iblockId = 0): void
    {
        if ($elementId <= 0) {
            return;
        }
        $productId = self::catalog()->productIdOf($elementId, $iblockId);
        if ($productId !== null) {
            self::record(Outbox::UPDATED, $productId);
        }
    }

    private static function record(string $eventType, int $productId): void
    {
        if (Imports::isOpen(time())) {
            return; // the exchange's end queues what changed in one pass
        }
        (new Outbox())->enqueue($eventType, $productId, time());
    }

    /** An ORM primary key: 5 or ['ID' => 5]. */
    private static function primary(mixed $id): int
    {
        return (int) (\is_array($id) ? ($id['ID'] ?? reset($id)) : $id);
    }
}
