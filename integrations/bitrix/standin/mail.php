<?php

/*
 * The stand-in's mail events (Bitrix "Почтовые события"): event types (b_event_type), message
 * templates (b_event_message) and the queue CEvent::Send writes to (b_event), which real Bitrix
 * mails out from an agent. Tests read b_event to see what the manager would get.
 */

declare(strict_types=1);

final class StandInMail
{
    /** @return list<string> the tables, created by StandIn::boot */
    public static function schema(): array
    {
        return [
            'CREATE TABLE IF NOT EXISTS b_event_type (ID INTEGER PRIMARY KEY AUTOINCREMENT, LID CHAR(2), EVENT_NAME VARCHAR(255), NAME VARCHAR(100), DESCRIPTION TEXT)',
            "CREATE TABLE IF NOT EXISTS b_event_message (ID INTEGER PRIMARY KEY AUTOINCREMENT, EVENT_NAME VARCHAR(255), LID VARCHAR(255), ACTIVE CHAR(1) DEFAULT 'Y',"
                . " EMAIL_FROM VARCHAR(255), EMAIL_TO VARCHAR(255), SUBJECT VARCHAR(255), MESSAGE TEXT, BODY_TYPE VARCHAR(4) DEFAULT 'text')",
            'CREATE TABLE IF NOT EXISTS b_event (ID INTEGER PRIMARY KEY AUTOINCREMENT, EVENT_NAME VARCHAR(255), LID VARCHAR(255), C_FIELDS TEXT, FILES TEXT, DATE_INSERT INTEGER)',
        ];
    }

    /** @return list<array{EVENT_NAME: string, LID: string, FIELDS: array<string, string>, FILES: list<int>}> what CEvent::Send queued */
    public static function sent(): array
    {
        return array_map(static fn (array $row): array => [
            'EVENT_NAME' => $row['EVENT_NAME'], 'LID' => $row['LID'], 'FIELDS' => json_decode((string) $row['C_FIELDS'], true),
            'FILES' => json_decode((string) $row['FILES'], true),
        ], StandIn::db()->query('SELECT * FROM b_event ORDER BY ID')->fetchAll());
    }

    /** @param array<string, mixed> $values */
    public static function insert(string $table, array $values): int
    {
        $db = StandIn::db();
        $h = $db->getSqlHelper();
        $db->queryExecute("INSERT INTO {$table} (" . implode(', ', array_keys($values)) . ') VALUES ('
            . implode(', ', array_map(static fn (mixed $v): string => "'" . $h->forSql((string) $v) . "'", $values)) . ')');

        return $db->getInsertedId();
    }
}

final class CEventType
{
    /** @param array{LID: string, EVENT_NAME: string, NAME?: string, DESCRIPTION?: string} $arFields */
    public static function Add(array $arFields): int|false
    {
        return StandInMail::insert('b_event_type', [
            'LID' => $arFields['LID'], 'EVENT_NAME' => $arFields['EVENT_NAME'], 'NAME' => $arFields['NAME'] ?? '', 'DESCRIPTION' => $arFields['DESCRIPTION'] ?? '',
        ]);
    }

    /** As Bitrix's: deletes every language's type of that event name. */
    public static function Delete(string $eventName): void
    {
        StandIn::db()->queryExecute("DELETE FROM b_event_type WHERE EVENT_NAME = '" . StandIn::db()->getSqlHelper()->forSql($eventName) . "'");
    }

    /** @param array{EVENT_NAME?: string, LID?: string} $arFilter */
    public static function GetList(array $arFilter = [], array $arOrder = []): \Bitrix\Main\DB\Result
    {
        $h = StandIn::db()->getSqlHelper();
        $where = ['1 = 1'];
        foreach (['EVENT_NAME', 'LID'] as $key) {
            if (isset($arFilter[$key])) {
                $where[] = "{$key} = '" . $h->forSql($arFilter[$key]) . "'";
            }
        }

        return StandIn::db()->query('SELECT * FROM b_event_type WHERE ' . implode(' AND ', $where) . ' ORDER BY ID');
    }
}

final class CEventMessage
{
    public string $LAST_ERROR = '';

    /** @param array<string, mixed> $arFields LID is a site id or a list of them */
    public function Add(array $arFields): int|false
    {
        foreach (['EVENT_NAME', 'LID', 'EMAIL_FROM', 'EMAIL_TO', 'SUBJECT'] as $key) {
            if (empty($arFields[$key])) {
                $this->LAST_ERROR = "{$key} is required";
                return false;
            }
        }

        return StandInMail::insert('b_event_message', [
            'EVENT_NAME' => $arFields['EVENT_NAME'], 'LID' => implode(',', (array) $arFields['LID']), 'ACTIVE' => $arFields['ACTIVE'] ?? 'Y',
            'EMAIL_FROM' => $arFields['EMAIL_FROM'], 'EMAIL_TO' => $arFields['EMAIL_TO'], 'SUBJECT' => $arFields['SUBJECT'],
            'MESSAGE' => $arFields['MESSAGE'] ?? '', 'BODY_TYPE' => $arFields['BODY_TYPE'] ?? 'text',
        ]);
    }

    /** @param array{TYPE_ID?: string} $arFilter */
    public static function GetList(string &$by = 'id', string &$order = 'desc', array $arFilter = []): \Bitrix\Main\DB\Result
    {
        $where = isset($arFilter['TYPE_ID']) ? "EVENT_NAME = '" . StandIn::db()->getSqlHelper()->forSql($arFilter['TYPE_ID']) . "'" : '1 = 1';

        return StandIn::db()->query("SELECT * FROM b_event_message WHERE {$where} ORDER BY ID");
    }

    public static function Delete(int $id): bool
    {
        StandIn::db()->queryExecute('DELETE FROM b_event_message WHERE ID = ' . $id);

        return true;
    }
}

final class CEvent
{
    /**
     * Queue a mail event as Bitrix does (b_event; the mail agent sends it later), with attached
     * b_file ids: refused (false) when the event type does not exist.
     *
     * @param array<string, mixed> $arFields
     */
    public static function Send(string $event, string|array $lid, array $arFields, string $Duplicate = 'Y', string|int $message_id = '', array $files = [], string $languageId = ''): int|false
    {
        if (!CEventType::GetList(['EVENT_NAME' => $event])->fetch()) {
            return false;
        }

        return StandInMail::insert('b_event', [
            'EVENT_NAME' => $event, 'LID' => implode(',', (array) $lid),
            'C_FIELDS' => json_encode(array_map('strval', $arFields), JSON_UNESCAPED_UNICODE | JSON_THROW_ON_ERROR),
            'FILES' => json_encode(array_map('intval', $files)), 'DATE_INSERT' => StandIn::now(),
        ]);
    }
}
