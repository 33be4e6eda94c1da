<?php

/*
 * The stand-in's bitrix/modules/main/include/prolog_before.php: what a script gets on a real site
 * after the prolog — the database, $APPLICATION, SITE_ID and LANGUAGE_ID, installed modules, and
 * the OnBeforeProlog event. The database file comes from VITRINA_STANDIN_DB; the language from
 * STANDIN_LANG (ru by default, as the admin's interface language).
 */

declare(strict_types=1);

require_once __DIR__ . '/standin.php';

if (!defined('B_PROLOG_INCLUDED')) {
    define('B_PROLOG_INCLUDED', true);
    define('LANGUAGE_ID', getenv('STANDIN_LANG') ?: 'ru');
    define('SITE_ID', getenv('STANDIN_SITE') ?: 's1');
    StandIn::boot((string) getenv('VITRINA_STANDIN_DB'), (string) $_SERVER['DOCUMENT_ROOT']);
    foreach (GetModuleEvents('main', 'OnBeforeProlog', true) as $arEvent) {
        ExecuteModuleEventEx($arEvent);
    }
}
