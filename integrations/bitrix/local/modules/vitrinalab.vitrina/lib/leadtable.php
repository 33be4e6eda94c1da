<?php

declare(strict_types=1);

namespace Vitrinalab\Vitrina;

use Bitrix\Main\Application;
use Bitrix\Main\ORM\Data\DataManager;
use Bitrix\Main\ORM\Fields\IntegerField;
use Bitrix\Main\ORM\Fields\StringField;

/**
 * The customers' requests («Закажите похожий») Vitrina forwarded, by webhook-id: a request is
 * mailed to the manager once. Vitrina retries a delivery it did not see answered for about half an
 * hour under the same webhook-id, so rows are kept for days, not the signature's 5 minutes.
 * The customer's photo attached to the mail (a b_file) goes with its row after KEEP_S, as Vitrina
 * deletes its own copy after VITRINA_LEAD_PHOTO_RETENTION_DAYS (30 by default).
 */
final class LeadTable extends DataManager
{
    public const KEEP_S = 30 * 86400;

    public static function getTableName(): string
    {
        return 'b_vitrinalab_vitrina_lead';
    }

    public static function getMap(): array
    {
        return [
            new StringField('WEBHOOK_ID', ['primary' => true, 'size' => NonceTable::MAX_LENGTH]),
            new IntegerField('LEAD_ID', ['required' => true]),
            new StringField('SITE_ID', ['size' => 2]),
            new IntegerField('FILE_ID'),
            new IntegerField('RECEIVED_AT', ['required' => true]),
        ];
    }

    /** True the first time $webhookId comes; false for a replay (already mailed). */
    public static function claim(string $webhookId, int $leadId, string $siteId, int $now): bool
    {
        if (\strlen($webhookId) > NonceTable::MAX_LENGTH) {
            return false;
        }
        $connection = Application::getConnection();
        if (!$connection->isTableExists(self::getTableName())) {
            self::getEntity()->createDbTable(); // a module upgraded in place, not reinstalled
        }
        self::forgetOld($now);
        if (self::getById($webhookId)->fetch()) {
            return false;
        }
        try {
            self::add(['WEBHOOK_ID' => $webhookId, 'LEAD_ID' => $leadId, 'SITE_ID' => $siteId, 'RECEIVED_AT' => $now]);
        } catch (\Throwable) {
            return false; // the same request twice at once: the other one won the key
        }

        return true;
    }

    public static function attach(string $webhookId, int $fileId): void
    {
        self::update($webhookId, ['FILE_ID' => $fileId]);
    }

    /** Rows past KEEP_S, and their photos. */
    public static function forgetOld(int $now): void
    {
        if (!Application::getConnection()->isTableExists(self::getTableName())) {
            return; // upgraded in place and no request yet: claim() makes the table
        }
        $old = self::getList(['filter' => ['<RECEIVED_AT' => $now - self::KEEP_S]])->fetchAll();
        foreach ($old as $row) {
            if ((int) $row['FILE_ID'] > 0) {
                \CFile::Delete((int) $row['FILE_ID']);
            }
            self::delete($row['WEBHOOK_ID']);
        }
    }

    /** @return array{LEAD_ID: int, RECEIVED_AT: int}|null the last request received */
    public static function last(): ?array
    {
        if (!Application::getConnection()->isTableExists(self::getTableName())) {
            return null;
        }
        $row = self::getList(['order' => ['RECEIVED_AT' => 'DESC'], 'limit' => 1])->fetch();

        return $row === false ? null : ['LEAD_ID' => (int) $row['LEAD_ID'], 'RECEIVED_AT' => (int) $row['RECEIVED_AT']];
    }
}
