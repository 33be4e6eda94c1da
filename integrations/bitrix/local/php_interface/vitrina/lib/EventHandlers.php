<?php

declare(strict_types=1);

namespace Vitrina\Bitrix;

/**
 * Bitrix event handlers: they record the change in the outbox and return.
 *
 * They run inside the admin's save, so they do no HTTP and nothing slow — one INSERT through $DB,
 * which commits or rolls back together with the change itself.
 */
final class EventHandlers
{
    /** D7 catalog (ORM) events that change what a product costs or whether it is sold. */
    public const CATALOG_EVENTS = [
        '\Bitrix\Catalog\Price::OnAfterAdd' => 'onPriceChange',
        '\Bitrix\Catalog\Price::OnAfterUpdate' => 'onPriceChange',
        '\Bitrix\Catalog\Product::OnAfterAdd' => 'onProductChange',
        '\Bitrix\Catalog\Product::OnAfterUpdate' => 'onProductChange',
    ];

    /** @var \Closure(): Outbox */
    private \Closure $outbox;

    /** @var \Closure(): int */
    private \Closure $now;

    /**
     * @param \Closure(): Outbox $outbox resolved at event time: $DB is the request's connection
     */
    public function __construct(
        private readonly int $catalogIblockId,
        \Closure $outbox,
        ?\Closure $now = null,
    ) {
        $this->outbox = $outbox;
        $this->now = $now ?? static fn (): int => time();
    }

    /** Subscribe to the iblock (old API) and catalog (D7) events. */
    public function register(): void
    {
        AddEventHandler('iblock', 'OnAfterIBlockElementAdd', [$this, 'onElementAdd']);
        AddEventHandler('iblock', 'OnAfterIBlockElementUpdate', [$this, 'onElementUpdate']);
        AddEventHandler('iblock', 'OnAfterIBlockElementDelete', [$this, 'onElementDelete']);
        $events = \Bitrix\Main\EventManager::getInstance();
        foreach (self::CATALOG_EVENTS as $event => $method) {
            $events->addEventHandler('catalog', $event, [$this, $method]);
        }
    }

    /** @param array<string, mixed> $arFields */
    public function onElementAdd(array $arFields): void
    {
        $this->onElement(Outbox::CREATED, $arFields);
    }

    /** @param array<string, mixed> $arFields */
    public function onElementUpdate(array $arFields): void
    {
        $this->onElement(Outbox::UPDATED, $arFields);
    }

    /**
     * The element is gone already; Bitrix passes its last fields.
     *
     * @param array<string, mixed> $arFields
     */
    public function onElementDelete(array $arFields): void
    {
        $this->onElement(Outbox::DELETED, $arFields + ['RESULT' => true]);
    }

    /** A price was added or changed: the product it belongs to changed. */
    public function onPriceChange(\Bitrix\Main\Event $event): void
    {
        $fields = (array) $event->getParameter('fields');
        $productId = (int) ($fields['PRODUCT_ID'] ?? 0);
        if ($productId === 0) {
            // An update carries only the changed fields; look the price row up.
            $priceId = self::primary($event->getParameter('id'));
            $price = \Bitrix\Catalog\PriceTable::getList([
                'select' => ['PRODUCT_ID'],
                'filter' => ['=ID' => $priceId],
            ])->fetch();
            $productId = (int) ($price['PRODUCT_ID'] ?? 0);
        }
        $this->onCatalogChange($productId);
    }

    /** Catalog product data (availability, quantity) changed; its id is the element id. */
    public function onProductChange(\Bitrix\Main\Event $event): void
    {
        $this->onCatalogChange(self::primary($event->getParameter('id')));
    }

    private function onCatalogChange(int $productId): void
    {
        if ($productId > 0 && (int) \CIBlockElement::GetIBlockByID($productId) === $this->catalogIblockId) {
            $this->record(Outbox::UPDATED, $productId);
        }
    }

    /** @param array<string, mixed> $arFields */
    private function onElement(string $eventType, array $arFields): void
    {
        if (($arFields['RESULT'] ?? false) === false) {
            return; // the save failed: nothing changed, and Bitrix still calls us
        }
        if ((int) ($arFields['WF_PARENT_ELEMENT_ID'] ?? 0) > 0) {
            return; // a workflow history copy, not the product itself
        }
        $productId = (int) ($arFields['ID'] ?? 0);
        $iblockId = (int) ($arFields['IBLOCK_ID'] ?? 0);
        if ($iblockId === 0 && $productId > 0 && $eventType !== Outbox::DELETED) {
            $iblockId = (int) \CIBlockElement::GetIBlockByID($productId);
        }
        if ($productId <= 0 || $iblockId !== $this->catalogIblockId) {
            return;
        }
        if ($eventType === Outbox::UPDATED && !\array_key_exists('WF_PARENT_ELEMENT_ID', $arFields)) {
            // An update's $arFields holds only what changed: ask the element itself (one row by key).
            $element = \CIBlockElement::GetByID($productId)->Fetch();
            if ((int) ($element['WF_PARENT_ELEMENT_ID'] ?? 0) > 0) {
                return;
            }
        }
        $this->record($eventType, $productId);
    }

    private function record(string $eventType, int $productId): void
    {
        if (!($this->outbox)()->enqueue($eventType, $productId, ($this->now)())) {
            Log::error("could not record {$eventType} for product {$productId} in the outbox");
        }
    }

    /** An ORM primary key: 5 or ['ID' => 5]. */
    private static function primary(mixed $id): int
    {
        if (\is_array($id)) {
            $id = $id['ID'] ?? reset($id);
        }

        return (int) $id;
    }
}
