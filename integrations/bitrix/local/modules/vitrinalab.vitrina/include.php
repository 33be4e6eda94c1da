<?php

/*
 * Runs on Loader::includeModule('vitrinalab.vitrina'): registers the module's classes for autoloading.
 * Everything else (handlers, the agents) was registered once by install/index.php.
 */

use Bitrix\Main\Loader;

Loader::registerAutoLoadClasses('vitrinalab.vitrina', [
    '\Vitrinalab\Vitrina\Settings' => 'lib/settings.php',
    '\Vitrinalab\Vitrina\Signer' => 'lib/signer.php',
    '\Vitrinalab\Vitrina\Backoff' => 'lib/backoff.php',
    '\Vitrinalab\Vitrina\Clock' => 'lib/clock.php',
    '\Vitrinalab\Vitrina\SystemClock' => 'lib/clock.php',
    '\Vitrinalab\Vitrina\HttpTransport' => 'lib/transport.php',
    '\Vitrinalab\Vitrina\HttpResponse' => 'lib/transport.php',
    '\Vitrinalab\Vitrina\BitrixHttpTransport' => 'lib/transport.php',
    '\Vitrinalab\Vitrina\OutboxTable' => 'lib/outboxtable.php',
    '\Vitrinalab\Vitrina\SentTable' => 'lib/senttable.php',
    '\Vitrinalab\Vitrina\NonceTable' => 'lib/noncetable.php',
    '\Vitrinalab\Vitrina\LeadTable' => 'lib/leadtable.php',
    '\Vitrinalab\Vitrina\Leads' => 'lib/leads.php',
    '\Vitrinalab\Vitrina\LeadMail' => 'lib/leadmail.php',
    '\Vitrinalab\Vitrina\Outbox' => 'lib/outbox.php',
    '\Vitrinalab\Vitrina\Catalog' => 'lib/catalog.php',
    '\Vitrinalab\Vitrina\Prices' => 'lib/prices.php',
    '\Vitrinalab\Vitrina\ProductSource' => 'lib/sources.php',
    '\Vitrinalab\Vitrina\ProductSourceUnavailable' => 'lib/sources.php',
    '\Vitrinalab\Vitrina\ProductRefused' => 'lib/sources.php',
    '\Vitrinalab\Vitrina\CatalogSource' => 'lib/sources.php',
    '\Vitrinalab\Vitrina\ShopApiSource' => 'lib/sources.php',
    '\Vitrinalab\Vitrina\Sender' => 'lib/sender.php',
    '\Vitrinalab\Vitrina\SendReport' => 'lib/sender.php',
    '\Vitrinalab\Vitrina\Events' => 'lib/events.php',
    '\Vitrinalab\Vitrina\Bulk' => 'lib/bulk.php',
    '\Vitrinalab\Vitrina\Agent' => 'lib/agent.php',
    '\Vitrinalab\Vitrina\Api' => 'lib/api.php',
    '\Vitrinalab\Vitrina\Widget' => 'lib/widget.php',
    '\Vitrinalab\Vitrina\Log' => 'lib/log.php',
    '\Vitrinalab\Vitrina\Connection' => 'lib/connection.php',
    '\Vitrinalab\Vitrina\Imports' => 'lib/imports.php',
    '\Vitrinalab\Vitrina\Cron' => 'lib/cron.php',
    '\Vitrinalab\Vitrina\Sequence' => 'lib/sequence.php',
]);
