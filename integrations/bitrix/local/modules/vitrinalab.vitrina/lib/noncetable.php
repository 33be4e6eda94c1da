<?php

declare(strict_types=1);

namespace Vitrinalab\Vitrina;

use Bitrix\Main\Application;
use Bitrix\Main\ORM\Data\DataManager;
use Bitrix\Main\ORM\Fields\IntegerField;
use Bitrix\Main\ORM\Fields\StringField;

/**
 * The webhook-ids of the signed requests Vitrina made in the last minutes: a request is answered
 * once, and an identical one (a replay within the 300 s window) is refused. Rows older than
 * twice the window are deleted as new requests come.
 */
final class NonceTable extends DataManager
{
    public const MAX_LENGTH = 200;

    public static function getTableName(): string
    {
        return 'b_vitrinalab_vitrina_nonce';
    }

    public static function getMap(): array
    {
        return [
            new StringField('NONCE', ['primary' => true, 'size' => self::MAX_LENGTH]),
            new IntegerField('SEEN_AT', ['required' => true]),
        ];
    }

    /** True the first time $nonce is seen within the window; false for a replay. */
    public static function claim(string $nonce, int $now): bool
    {
        if (\strlen($nonce) > self::MAX_LENGTH) {
            return false;
        }
        $connection = Application::getConnection();
        if (!$connection->isTableExists(self::getTableName())) {
            self::getEntity()->createDbTable(); // a module upgraded in place, not reinstalled
        }
        $connection->queryExecute('DELETE FROM ' . self::getTableName() . ' WHERE SEEN_AT < ' . ($now - 2 * Signer::TOLERANCE_S));
        if (self::getById($nonce)->fetch()) {
            return false;
        }
        try {
            self::add(['NONCE' => $nonce, 'SEEN_AT' => $now]);
        } catch (\Throwable) {
            return false; // the same request twice at once: the other one won the key
        }

        return true;
    }
}
