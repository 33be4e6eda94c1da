<?php

/*
 * Copied to /bitrix/tools/vitrinalab.vitrina/lead.php on install: Vitrina posts a customer's
 * request («Закажите похожий») here, signed; the manager gets the site's mail event (lib/leads.php).
 */

define('NO_KEEP_STATISTIC', true);
define('NO_AGENT_STATISTIC', true);
define('NO_AGENT_CHECK', true);
define('NOT_CHECK_PERMISSIONS', true);
define('STOP_STATISTICS', true);
define('BX_SECURITY_SESSION_VIRTUAL', true);

require $_SERVER['DOCUMENT_ROOT'] . '/bitrix/modules/main/include/prolog_before.php';

if (!\Bitrix\Main\Loader::includeModule('vitrinalab.vitrina')) {
    http_response_code(503);
    header('Content-Type: application/json; charset=utf-8');
    header('Retry-After: 60');
    echo '{"error":"module vitrinalab.vitrina is not installed"}';
    return;
}

\Vitrinalab\Vitrina\Leads::serve();
