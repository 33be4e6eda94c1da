<?php

declare(strict_types=1);

namespace Vitrinalab\Vitrina;

use Bitrix\Main\ORM\Data\DataManager;
use Bitrix\Main\ORM\Fields\IntegerField;
use Bitrix\Main\ORM\Fields\StringField;
use Bitrix\Main\ORM\Fields\TextField;

/**
 * The outbox: one row per product change still to be told to Vitrina.
 *
 * Written through Bitrix's own connection inside the admin's save, so the row commits or rolls
 * back with the change itself. Times are unix seconds (integers compare the same in MySQL and
 * SQLite, and the lease arithmetic stays in SQL).
 */
final class OutboxTable extends DataManager
{
    public const PENDING = 'pending';
    public const DELIVERED = 'delivered';
    public const FAILED = 'failed';

    public static function getTableName(): string
    {
        return 'b_vitrinalab_vitrina_outbox';
    }

    public static function getMap(): array
    {
        return [
            // BIGINT: ids start at a time-based floor (see Sequence) and are the webhook's sequence.
            new IntegerField('ID', ['primary' => true, 'autocomplete' => true, 'size' => 8]),
            new StringField('EVENT_ID', ['required' => true, 'size' => 36]),
            new StringField('EVENT_TYPE', ['required' => true, 'size' => 32]),
            new IntegerField('PRODUCT_ID', ['required' => true]),
            new IntegerField('OCCURRED_AT', ['required' => true]),
            new StringField('STATUS', ['required' => true, 'size' => 16]),
            new IntegerField('ATTEMPTS', ['required' => true]),
            new IntegerField('NEXT_ATTEMPT_AT', ['required' => true]),
            new StringField('LOCK_TOKEN', ['size' => 32]),
            new IntegerField('LOCKED_UNTIL'),
            new IntegerField('FINISHED_AT'),
            new IntegerField('LAST_HTTP_STATUS'),
            new TextField('LAST_ERROR'),
            new StringField('RESPONSE_ACTION', ['size' => 32]),
        ];
    }
}
