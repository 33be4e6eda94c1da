<?php

/*
 * Copied to /bitrix/tools/vitrinalab.vitrina/api.php on install: Vitrina reads the manifest and
 * asks for resends here. Only signed POSTs are answered (see lib/api.php).
 */

define('NO_KEEP_STATISTIC', true);
define('NO_AGENT_STATISTIC', true);
define('NO_AGENT_CHECK', true);
define('NOT_CHECK_PERMISSIONS', true);
define('STOP_STATISTICS', true);
define('BX_SECURITY_SESSION_VIRTUAL', true);

require $_SERVER['DOCUMENT_ROOT'] . '/bitrix/modules/main/include/prolog_before.php';

if (!\Bitrix\Main\Loader::includeModule('vitrinalab.vitrina') || !\Bitrix\Main\Loader::includeModule('iblock') || !\Bitrix\Main\Loader::includeModule('catalog')) {
    http_response_code(503);
    header('Content-Type: application/json; charset=utf-8');
    echo '{"error":"module vitrinalab.vitrina is not installed"}';
    return;
}

\Vitrinalab\Vitrina\Api::serve();
