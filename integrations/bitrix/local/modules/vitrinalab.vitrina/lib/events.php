<?php

declare(strict_types=1);

namespace Vitrinalab\Vitrina;

use Bitrix\Main\Config\Option;

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
        ['catalog', 'OnPriceAdd', 'onPrice'],
        ['catalog', 'OnPriceUpdate', 'onPrice'],
        ['catalog', 'OnProductAdd', 'onProduct'],
        ['catalog', 'OnProductUpdate', 'onProduct'],
        ['catalog', '\Bitrix\Catalog\Price::OnAfterAdd', 'onPriceEntity'],
        ['catalog', '\Bitrix\Catalog\Price::OnAfterUpdate', 'onPriceEntity'],
        ['catalog', '\Bitrix\Catalog\Product::OnAfterUpdate', 'onProductEntity'],
        ['catalog', 'OnBeforeCatalogImport1C', 'onImportStart'],
        ['catalog', 'OnSuccessCatalogImport1C', 'onImportSuccess'],
        ['main', 'OnBeforeProlog', 'onBeforeProlog'],
    ];

    /** A 1C import that has not reported success in this long is taken as abandoned. */
    private const IMPORT_WINDOW_S = 3 * 3600;

    private static ?Catalog $catalog = null;

    /** @var array<int, int> trade offer being deleted => its parent product (known only before) */
    private static array $deletingOffers = [];

    /** @param array<string, mixed> $arFields */
    public static function onElementAdd(array &$arFields): void
    {
        self::onElement(Outbox::CREATED, $arFields);
    }

    /** @param array<string, mixed> $arFields */
    public static function onElementUpdate(array &$arFields): void
    {
        self::onElement(Outbox::UPDATED, $arFields);
    }

    /** A trade offer's link to its parent is gone after the delete: note the parent now. */
    public static function onBeforeElementDelete(int $id): bool
    {
        self::$catalog ??= new Catalog(Settings::load());
        $parent = self::$catalog->productIdOf($id);
        if ($parent !== null && $parent !== $id) {
            self::$deletingOffers[$id] = $parent;
        }

        return true; // never vetoes the delete
    }

    /** @param array<string, mixed> $arFields the deleted element's last fields */
    public static function onElementDelete(array $arFields): void
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
        self::onCatalogChange($elementId, $iblockId);
    }

    /** @param array<string, mixed> $arFields */
    public static function onPrice(int $id, array $arFields = []): void
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
        self::onCatalogChange($id);
    }

    public static function onPriceEntity(\Bitrix\Main\Event $event): void
    {
        $fields = (array) $event->getParameter('fields');
        self::onPrice(self::primary($event->getParameter('id')), $fields);
    }

    public static function onProductEntity(\Bitrix\Main\Event $event): void
    {
        self::onCatalogChange(self::primary($event->getParameter('id')));
    }

    /** D7 (entity) events take an Event object; the rest are classic. */
    public static function isD7(string $event): bool
    {
        return str_contains($event, '::');
    }

    /** A 1C exchange starts: its thousands of element saves are not queued one by one. */
    public static function onImportStart(): void
    {
        Option::set(Settings::MODULE_ID, 'import_started_at', (string) time());
    }

    /** The 1C exchange finished: queue what changed, found by comparing stamps (see Bulk). */
    public static function onImportSuccess(): void
    {
        Option::delete(Settings::MODULE_ID, ['name' => 'import_started_at']);
        Bulk::start(Bulk::CHANGED, time());
    }

    /** Adds the storefront search widget to public pages when enabled on the settings page. */
    public static function onBeforeProlog(): void
    {
        Widget::inject();
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
        self::$catalog ??= new Catalog(Settings::load());
        $productId = self::$catalog->productIdOf($elementId, $iblockId);
        if ($productId !== null) {
            self::record(Outbox::UPDATED, $productId);
        }
    }

    private static function record(string $eventType, int $productId): void
    {
        $importStarted = (int) Option::get(Settings::MODULE_ID, 'import_started_at', '0');
        if ($importStarted > 0 && time() - $importStarted < self::IMPORT_WINDOW_S) {
            return; // the import's end queues what changed in one pass
        }
        (new Outbox())->enqueue($eventType, $productId, time());
    }

    /** An ORM primary key: 5 or ['ID' => 5]. */
    private static function primary(mixed $id): int
    {
        return (int) (\is_array($id) ? ($id['ID'] ?? reset($id)) : $id);
    }
}
