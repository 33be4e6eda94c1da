<?php

/*
 * Stand-in `iblock` module: info blocks, elements with properties, files, sites.
 *
 * Faithful to the shapes Vitrina's module reads: CIBlockElement::GetList($order, $filter, $group,
 * $nav, $select) returning a CIBlockResult whose GetNext() HTML-escapes values and adds the raw
 * '~FIELD' copies and expands DETAIL_PAGE_URL from the info block's template, GetNextElement()->
 * GetProperties() keyed by property CODE (multiple empty VALUE = false; a list property's VALUE
 * is the text, VALUE_XML_ID its code), an empty $group array
 * returning the count; Add/Update/Delete firing OnAfterIBlockElement* also when the save failed
 * (RESULT false), OnBeforeIBlockElementDelete before anything is removed; CFile::GetPath; CIBlock::GetSite / GetList.
 */

declare(strict_types=1);

final class CIBlockResult
{
    /** @param list<array<string, mixed>> $rows */
    public function __construct(private array $rows)
    {
    }

    /** @return array<string, mixed>|false raw values */
    public function Fetch(): array|false
    {
        return array_shift($this->rows) ?? false;
    }

    /** @return array<string, mixed>|false values HTML-escaped, '~KEY' raw, DETAIL_PAGE_URL expanded */
    public function GetNext(bool $bTextHtmlAuto = true, bool $use_tilda = true): array|false
    {
        $row = $this->Fetch();
        if ($row === false) {
            return false;
        }
        if (array_key_exists('DETAIL_PAGE_URL', $row)) {
            $row['DETAIL_PAGE_URL'] = CIBlock::ReplaceDetailUrl((string) $row['DETAIL_PAGE_URL'], $row);
        }
        $out = [];
        foreach ($row as $key => $value) {
            $out[$key] = is_string($value) ? htmlspecialcharsbx($value) : $value;
            if ($use_tilda) {
                $out['~' . $key] = $value;
            }
        }

        return $out;
    }

    public function GetNextElement(): _CIBElement|false
    {
        $fields = $this->GetNext();

        return $fields === false ? false : new _CIBElement($fields);
    }

    public function SelectedRowsCount(): int
    {
        return count($this->rows);
    }
}

final class _CIBElement
{
    /** @param array<string, mixed> $fields */
    public function __construct(public array $fields)
    {
    }

    /** @return array<string, mixed> */
    public function GetFields(): array
    {
        return $this->fields;
    }

    /** @return array<string, array<string, mixed>> CODE => ['ID', 'CODE', 'NAME', 'PROPERTY_TYPE', 'MULTIPLE', 'VALUE', '~VALUE'] */
    public function GetProperties(): array
    {
        $db = StandIn::db();
        $id = (int) $this->fields['~ID'];
        $iblock = (int) $this->fields['~IBLOCK_ID'];
        $props = [];
        foreach ($db->query("SELECT * FROM b_iblock_property WHERE IBLOCK_ID = {$iblock} ORDER BY SORT, ID")->fetchAll() as $p) {
            $values = array_column($db->query("SELECT VALUE FROM b_iblock_element_property WHERE IBLOCK_ELEMENT_ID = {$id} AND IBLOCK_PROPERTY_ID = " . (int) $p['ID'] . ' ORDER BY ID')->fetchAll(), 'VALUE');
            $enum = [];
            if ($p['PROPERTY_TYPE'] === 'L') {
                // A list property stores the enum id; VALUE shows its text, VALUE_XML_ID its code.
                foreach ($values as $i => $enumId) {
                    $enum[$i] = $db->query('SELECT ID, VALUE, XML_ID FROM b_iblock_property_enum WHERE ID = ' . (int) $enumId)->fetch() ?: ['ID' => $enumId, 'VALUE' => '', 'XML_ID' => ''];
                    $values[$i] = $enum[$i]['VALUE'];
                }
            }
            $pick = static fn (string $key): mixed => $p['MULTIPLE'] === 'Y' ? ($enum === [] ? false : array_column($enum, $key)) : ($enum[0][$key] ?? '');
            $value = $p['MULTIPLE'] === 'Y' ? ($values === [] ? false : $values) : ($values[0] ?? '');
            $props[$p['CODE']] = ($p['PROPERTY_TYPE'] === 'L' ? ['VALUE_ENUM_ID' => $pick('ID'), 'VALUE_XML_ID' => $pick('XML_ID')] : []) + [
                'ID' => $p['ID'], 'IBLOCK_ID' => $p['IBLOCK_ID'], 'NAME' => $p['NAME'], 'CODE' => $p['CODE'],
                'PROPERTY_TYPE' => $p['PROPERTY_TYPE'], 'MULTIPLE' => $p['MULTIPLE'],
                'VALUE' => is_array($value) ? array_map('htmlspecialcharsbx', $value) : (is_string($value) ? htmlspecialcharsbx($value) : $value),
                '~VALUE' => $value,
            ];
        }

        return $props;
    }
}

final class CIBlockElement
{
    public string $LAST_ERROR = '';

    private const COLUMNS = ['ID', 'IBLOCK_ID', 'NAME', 'CODE', 'ACTIVE', 'DETAIL_PICTURE', 'PREVIEW_PICTURE', 'DATE_CREATE', 'TIMESTAMP_X', 'WF_PARENT_ELEMENT_ID', 'SORT', 'XML_ID'];

    /**
     * @param array<string, string> $arOrder
     * @param array<string, mixed> $arFilter IBLOCK_ID, ID, ACTIVE, >ID, PROPERTY_<CODE>
     * @param array<string, int>|false $arGroupBy [] = count only
     * @param array<string, int>|false $arNavStartParams nTopCount | nPageSize + iNumPage
     * @param list<string> $arSelectFields
     */
    public static function GetList(array $arOrder = ['SORT' => 'ASC'], array $arFilter = [], array|false $arGroupBy = false, array|false $arNavStartParams = false, array $arSelectFields = []): CIBlockResult|int
    {
        $db = StandIn::db();
        $where = ['1 = 1'];
        foreach ($arFilter as $key => $value) {
            $key = (string) $key;
            if ($key === 'IBLOCK_ID' || $key === 'ID' || $key === '=ID') {
                $list = implode(', ', array_map('intval', (array) $value));
                if ($list === '') {
                    continue; // like Bitrix: an empty list is no condition at all (every element)
                }
                $where[] = 'e.' . ltrim($key, '=') . " IN ({$list})";
            } elseif ($key === 'ACTIVE') {
                $where[] = "e.ACTIVE = '" . $db->getSqlHelper()->forSql($value) . "'";
            } elseif ($key === '>ID') {
                $where[] = 'e.ID > ' . (int) $value;
            } elseif (str_starts_with($key, 'PROPERTY_')) {
                $list = implode(', ', array_map(static fn ($v): string => "'" . $db->getSqlHelper()->forSql($v) . "'", (array) $value));
                $where[] = 'EXISTS (SELECT 1 FROM b_iblock_element_property v JOIN b_iblock_property p ON p.ID = v.IBLOCK_PROPERTY_ID'
                    . " WHERE v.IBLOCK_ELEMENT_ID = e.ID AND p.CODE = '" . $db->getSqlHelper()->forSql(substr($key, 9)) . "' AND v.VALUE IN ({$list}))";
            } else {
                throw new InvalidArgumentException("stand-in CIBlockElement::GetList: filter {$key} not supported");
            }
        }
        $sqlWhere = implode(' AND ', $where);
        if ($arGroupBy === []) {
            return (int) $db->query("SELECT COUNT(*) AS C FROM b_iblock_element e WHERE {$sqlWhere}")->fetch()['C'];
        }
        $order = [];
        foreach ($arOrder as $field => $dir) {
            if (in_array(strtoupper((string) $field), self::COLUMNS, true)) {
                $order[] = 'e.' . strtoupper((string) $field) . (strtoupper((string) $dir) === 'DESC' ? ' DESC' : ' ASC');
            }
        }
        $sql = "SELECT e.*, b.DETAIL_PAGE_URL AS DETAIL_PAGE_URL, b.CODE AS IBLOCK_CODE FROM b_iblock_element e JOIN b_iblock b ON b.ID = e.IBLOCK_ID WHERE {$sqlWhere}"
            . ($order !== [] ? ' ORDER BY ' . implode(', ', $order) : ' ORDER BY e.ID');
        if (is_array($arNavStartParams) && isset($arNavStartParams['nTopCount'])) {
            $sql .= ' LIMIT ' . (int) $arNavStartParams['nTopCount'];
        } elseif (is_array($arNavStartParams) && isset($arNavStartParams['nPageSize'])) {
            $size = (int) $arNavStartParams['nPageSize'];
            $sql .= " LIMIT {$size} OFFSET " . $size * (max(1, (int) ($arNavStartParams['iNumPage'] ?? 1)) - 1);
        }
        $rows = $db->query($sql)->fetchAll();
        if ($arSelectFields !== [] && !in_array('*', $arSelectFields, true)) {
            $keep = array_flip(array_merge($arSelectFields, ['ID', 'IBLOCK_ID', 'CODE']));
            $rows = array_map(static fn (array $r): array => array_intersect_key($r, $keep), $rows);
        }
        foreach ($rows as &$row) {
            foreach (['DATE_CREATE', 'TIMESTAMP_X'] as $date) {
                if (isset($row[$date])) {
                    $row[$date] = date('d.m.Y H:i:s', (int) $row[$date]); // the site's format, like Bitrix
                }
            }
        }

        return new CIBlockResult($rows);
    }

    public static function GetByID(int $ID): CIBlockResult
    {
        return self::GetList([], ['ID' => $ID]);
    }

    public static function GetIBlockByID(int $ID): int|false
    {
        $row = StandIn::db()->query('SELECT IBLOCK_ID FROM b_iblock_element WHERE ID = ' . $ID)->fetch();

        return $row === false ? false : (int) $row['IBLOCK_ID'];
    }

    /** @param array<string, mixed> $arFields IBLOCK_ID, NAME, CODE, ACTIVE, DETAIL_PICTURE (file id), PROPERTY_VALUES */
    public function Add(array $arFields): int|false
    {
        $db = StandIn::db();
        $id = false;
        if (trim((string) ($arFields['NAME'] ?? '')) === '') {
            $this->LAST_ERROR = 'Не заполнено обязательное поле "Название".';
        } else {
            $h = $db->getSqlHelper();
            $db->queryExecute('INSERT INTO b_iblock_element (IBLOCK_ID, NAME, CODE, ACTIVE, DETAIL_PICTURE, PREVIEW_PICTURE, DATE_CREATE, TIMESTAMP_X, WF_PARENT_ELEMENT_ID, XML_ID) VALUES ('
                . (int) $arFields['IBLOCK_ID'] . ", '" . $h->forSql($arFields['NAME']) . "', '" . $h->forSql($arFields['CODE'] ?? '') . "', '"
                . $h->forSql($arFields['ACTIVE'] ?? 'Y') . "', " . self::intOrNull($arFields['DETAIL_PICTURE'] ?? null) . ', '
                . self::intOrNull($arFields['PREVIEW_PICTURE'] ?? null) . ', ' . StandIn::now() . ', ' . StandIn::now() . ', '
                . self::intOrNull($arFields['WF_PARENT_ELEMENT_ID'] ?? null) . ', ' . (isset($arFields['XML_ID']) ? "'" . $h->forSql($arFields['XML_ID']) . "'" : 'NULL') . ')');
            $id = $db->getInsertedId();
            if (isset($arFields['PROPERTY_VALUES'])) {
                self::SetPropertyValuesEx($id, (int) $arFields['IBLOCK_ID'], $arFields['PROPERTY_VALUES'], false);
            }
            $arFields['ID'] = $id;
        }
        $arFields['RESULT'] = $id;
        foreach (GetModuleEvents('iblock', 'OnAfterIBlockElementAdd', true) as $arEvent) {
            ExecuteModuleEventEx($arEvent, [&$arFields]);
        }

        return $id;
    }

    /** @param array<string, mixed> $arFields only what changes */
    public function Update(int $ID, array $arFields): bool
    {
        $db = StandIn::db();
        $element = $db->query('SELECT * FROM b_iblock_element WHERE ID = ' . $ID)->fetch();
        $result = false;
        if ($element === false) {
            $this->LAST_ERROR = "Элемент {$ID} не найден.";
        } elseif (array_key_exists('NAME', $arFields) && trim((string) $arFields['NAME']) === '') {
            $this->LAST_ERROR = 'Не заполнено обязательное поле "Название".';
        } else {
            $set = ['TIMESTAMP_X = ' . StandIn::now()];
            foreach (['NAME', 'CODE', 'ACTIVE'] as $column) {
                if (array_key_exists($column, $arFields)) {
                    $set[] = "{$column} = '" . $db->getSqlHelper()->forSql($arFields[$column]) . "'";
                }
            }
            foreach (['DETAIL_PICTURE', 'PREVIEW_PICTURE'] as $column) {
                if (array_key_exists($column, $arFields)) {
                    $set[] = "{$column} = " . self::intOrNull($arFields[$column]);
                }
            }
            $db->queryExecute('UPDATE b_iblock_element SET ' . implode(', ', $set) . " WHERE ID = {$ID}");
            if (isset($arFields['PROPERTY_VALUES'])) {
                self::SetPropertyValuesEx($ID, (int) $element['IBLOCK_ID'], $arFields['PROPERTY_VALUES'], false);
            }
            $result = true;
        }
        $arFields['ID'] = $ID;
        $arFields['IBLOCK_ID'] = $element['IBLOCK_ID'] ?? ($arFields['IBLOCK_ID'] ?? null);
        $arFields['RESULT'] = $result;
        foreach (GetModuleEvents('iblock', 'OnAfterIBlockElementUpdate', true) as $arEvent) {
            ExecuteModuleEventEx($arEvent, [&$arFields]);
        }

        return $result;
    }

    public static function Delete(int $ID): bool
    {
        $db = StandIn::db();
        $element = $db->query('SELECT * FROM b_iblock_element WHERE ID = ' . $ID)->fetch();
        if ($element === false) {
            return false;
        }
        foreach (GetModuleEvents('iblock', 'OnBeforeIBlockElementDelete', true) as $arEvent) {
            if (ExecuteModuleEventEx($arEvent, [$ID]) === false) {
                return false; // a handler may veto the delete, as in Bitrix
            }
        }
        // The catalog module deletes a product's trade offers with it, each through Delete().
        $offers = $db->query('SELECT e.ID FROM b_iblock_element e JOIN b_catalog_iblock c ON c.IBLOCK_ID = e.IBLOCK_ID'
            . " JOIN b_iblock_element_property v ON v.IBLOCK_ELEMENT_ID = e.ID AND v.IBLOCK_PROPERTY_ID = c.SKU_PROPERTY_ID"
            . " WHERE c.PRODUCT_IBLOCK_ID = " . (int) $element['IBLOCK_ID'] . " AND v.VALUE = '{$ID}'")->fetchAll();
        foreach ($offers as $offer) {
            self::Delete((int) $offer['ID']);
        }
        $db->queryExecute("DELETE FROM b_iblock_element_property WHERE IBLOCK_ELEMENT_ID = {$ID}");
        $db->queryExecute("DELETE FROM b_catalog_price WHERE PRODUCT_ID = {$ID}");
        $db->queryExecute("DELETE FROM b_catalog_product WHERE ID = {$ID}");
        $db->queryExecute("DELETE FROM b_iblock_element WHERE ID = {$ID}");
        foreach (GetModuleEvents('iblock', 'OnAfterIBlockElementDelete', true) as $arEvent) {
            ExecuteModuleEventEx($arEvent, [$element]);
        }

        return true;
    }

    /**
     * Set properties by CODE without the element update events (as in Bitrix, where it fires only
     * OnAfterIBlockElementSetPropertyValuesEx).
     *
     * @param array<string, mixed> $values CODE => value or list of values
     */
    public static function SetPropertyValuesEx(int $ELEMENT_ID, int $IBLOCK_ID, array $values, mixed $flags = []): void
    {
        $db = StandIn::db();
        $h = $db->getSqlHelper();
        foreach ($values as $code => $value) {
            $prop = $db->query("SELECT ID FROM b_iblock_property WHERE IBLOCK_ID = {$IBLOCK_ID} AND CODE = '" . $h->forSql($code) . "'")->fetch();
            if ($prop === false) {
                continue;
            }
            $db->queryExecute("DELETE FROM b_iblock_element_property WHERE IBLOCK_ELEMENT_ID = {$ELEMENT_ID} AND IBLOCK_PROPERTY_ID = " . (int) $prop['ID']);
            foreach ((array) $value as $v) {
                if ($v === '' || $v === null || $v === false) {
                    continue;
                }
                $db->queryExecute('INSERT INTO b_iblock_element_property (IBLOCK_PROPERTY_ID, IBLOCK_ELEMENT_ID, VALUE) VALUES ('
                    . (int) $prop['ID'] . ", {$ELEMENT_ID}, '" . $h->forSql($v) . "')");
            }
        }
        if ($flags !== false) {
            foreach (GetModuleEvents('iblock', 'OnAfterIBlockElementSetPropertyValuesEx', true) as $arEvent) {
                ExecuteModuleEventEx($arEvent, [$ELEMENT_ID, $IBLOCK_ID, $values, $flags]);
            }
        }
    }

    /**
     * Set an element's properties (by CODE) without the element's update events; Bitrix fires
     * only OnAfterIBlockElementSetPropertyValues (1C's import and many scripts use this).
     *
     * @param array<string, mixed> $PROPERTY_VALUES CODE => value or list of values
     */
    public static function SetPropertyValues(int $ELEMENT_ID, int $IBLOCK_ID, array $PROPERTY_VALUES, string|false $PROPERTY_CODE = false): void
    {
        self::SetPropertyValuesEx($ELEMENT_ID, $IBLOCK_ID, $PROPERTY_VALUES, false);
        foreach (GetModuleEvents('iblock', 'OnAfterIBlockElementSetPropertyValues', true) as $arEvent) {
            ExecuteModuleEventEx($arEvent, [$ELEMENT_ID, $IBLOCK_ID, $PROPERTY_VALUES, $PROPERTY_CODE]);
        }
    }

    private static function intOrNull(mixed $value): string
    {
        return $value === null || $value === '' || $value === false ? 'NULL' : (string) (int) $value;
    }
}

final class CIBlock
{
    /** Rows of the sites an info block belongs to: LID, DIR, SERVER_NAME, NAME. */
    public static function GetSite(int $iblock_id): \Bitrix\Main\DB\Result
    {
        return StandIn::db()->query('SELECT s.LID, s.LID AS SITE_ID, s.DIR, s.SERVER_NAME, s.NAME FROM b_iblock_site i JOIN b_lang s ON s.LID = i.SITE_ID WHERE i.IBLOCK_ID = ' . $iblock_id . ' ORDER BY s.SORT, s.LID');
    }

    /** @param array<string, mixed> $arFilter ID, TYPE, ACTIVE */
    public static function GetList(array $arOrder = ['SORT' => 'ASC'], array $arFilter = []): \Bitrix\Main\DB\Result
    {
        $where = ['1 = 1'];
        if (isset($arFilter['ID'])) {
            $where[] = 'ID IN (' . implode(', ', array_map('intval', (array) $arFilter['ID'])) . ')';
        }
        if (isset($arFilter['TYPE'])) {
            $where[] = "IBLOCK_TYPE_ID = '" . StandIn::db()->getSqlHelper()->forSql($arFilter['TYPE']) . "'";
        }

        return StandIn::db()->query('SELECT * FROM b_iblock WHERE ' . implode(' AND ', $where) . ' ORDER BY SORT, ID');
    }

    /** @return array<string, mixed>|false */
    public static function GetArrayByID(int $ID): array|false
    {
        return self::GetList([], ['ID' => $ID])->fetch();
    }

    /**
     * #SITE_DIR# (the folder of the info block's main site, b_iblock.LID, as Bitrix's element
     * list joins it), #ID#/#ELEMENT_ID#, #CODE#/#ELEMENT_CODE#, #IBLOCK_ID#, #IBLOCK_CODE#;
     * double slashes collapsed.
     */
    public static function ReplaceDetailUrl(string $url, array $arr, bool $server = false, string|false $arrType = false): string
    {
        $site = StandIn::db()->query('SELECT s.DIR FROM b_iblock b JOIN b_lang s ON s.LID = b.LID WHERE b.ID = ' . (int) ($arr['IBLOCK_ID'] ?? 0))->fetch();
        $url = strtr($url, [
            '#SITE_DIR#' => (string) ($site['DIR'] ?? '/'),
            '#ID#' => (string) ($arr['ID'] ?? ''), '#ELEMENT_ID#' => (string) ($arr['ID'] ?? ''),
            '#CODE#' => (string) ($arr['CODE'] ?? ''), '#ELEMENT_CODE#' => (string) ($arr['CODE'] ?? ''),
            '#IBLOCK_ID#' => (string) ($arr['IBLOCK_ID'] ?? ''), '#IBLOCK_CODE#' => (string) ($arr['IBLOCK_CODE'] ?? ''),
        ]);

        return (string) preg_replace('#/{2,}#', '/', $url);
    }
}

final class CSite
{
    /** One site's row (LID, DIR, SERVER_NAME, NAME), as CSite::GetByID($lid)->Fetch(). */
    public static function GetByID(string $ID): CIBlockResult
    {
        $row = StandIn::db()->query("SELECT LID, LID AS ID, DIR, SERVER_NAME, NAME FROM b_lang WHERE LID = '" . StandIn::db()->getSqlHelper()->forSql($ID) . "'")->fetch();

        return new CIBlockResult($row === false ? [] : [$row]);
    }

    public static function GetList(string &$by = 'sort', string &$order = 'asc', array $arFilter = []): \Bitrix\Main\DB\Result
    {
        return StandIn::db()->query('SELECT LID, LID AS ID, DIR, SERVER_NAME, NAME FROM b_lang ORDER BY SORT, LID');
    }
}

final class CFile
{
    /**
     * Store a file as Bitrix does (under /upload/<dir>/<3 hex>/, a b_file row); 'content' holds the
     * bytes. The id, or false.
     *
     * @param array{name: string, content: string, type?: string, MODULE_ID?: string} $arFile
     */
    public static function SaveFile(array $arFile, string $strSavePath): int|false
    {
        $subdir = trim($strSavePath, '/') . '/' . substr(md5($arFile['name'] . random_int(0, PHP_INT_MAX)), 0, 3);
        $dir = rtrim((string) $_SERVER['DOCUMENT_ROOT'], '/') . "/upload/{$subdir}";
        @mkdir($dir, 0777, true);
        if (file_put_contents("{$dir}/{$arFile['name']}", $arFile['content']) === false) {
            return false;
        }
        $db = StandIn::db();
        $h = $db->getSqlHelper();
        $db->queryExecute("INSERT INTO b_file (SUBDIR, FILE_NAME) VALUES ('{$h->forSql($subdir)}', '{$h->forSql($arFile['name'])}')");

        return $db->getInsertedId();
    }

    /** The file and its row. */
    public static function Delete(mixed $ID): void
    {
        $path = self::GetPath($ID);
        if ($path !== null) {
            @unlink(rtrim((string) $_SERVER['DOCUMENT_ROOT'], '/') . $path);
        }
        StandIn::db()->queryExecute('DELETE FROM b_file WHERE ID = ' . (int) $ID);
    }

    /** '/upload/<SUBDIR>/<FILE_NAME>' (relative to the site), or null for an unknown id. */
    public static function GetPath(mixed $fileId): ?string
    {
        $row = StandIn::db()->query('SELECT SUBDIR, FILE_NAME FROM b_file WHERE ID = ' . (int) $fileId)->fetch();

        return $row === false ? null : '/upload/' . $row['SUBDIR'] . '/' . $row['FILE_NAME'];
    }
}
