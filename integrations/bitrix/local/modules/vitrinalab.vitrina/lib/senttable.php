<?php

declare(strict_types=1);

namespace Vitrinalab\Vitrina;

use Bitrix\Main\ORM\Data\DataManager;
use Bitrix\Main\ORM\Fields\IntegerField;
use Bitrix\Main\ORM\Fields\StringField;

/**
 * What Vitrina last accepted per product: the payload's stamp. "Send what changed" (after a 1C
 * import, or from the settings page) compares current stamps with these instead of sending all.
 */
final class SentTable extends DataManager
{
    public static function getTableName(): string
    {
        return 'b_vitrinalab_vitrina_sent';
    }

    public static function getMap(): array
    {
        return [
            new IntegerField('PRODUCT_ID', ['primary' => true]),
            new StringField('STAMP', ['required' => true, 'size' => 40]),
            new IntegerField('SENT_AT', ['required' => true]),
        ];
    }
}
