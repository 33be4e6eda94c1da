<?php

use Bitrix\Main\Application;
use Bitrix\Main\Config\Option;
use Bitrix\Main\EventManager;
use Bitrix\Main\Loader;
use Bitrix\Main\Localization\Loc;
use Bitrix\Main\ModuleManager;
use Vitrinalab\Vitrina\Agent;
use Vitrinalab\Vitrina\Events;
use Vitrinalab\Vitrina\LeadMail;
use Vitrinalab\Vitrina\Leads;
use Vitrinalab\Vitrina\LeadTable;
use Vitrinalab\Vitrina\OutboxTable;
use Vitrinalab\Vitrina\NonceTable;
use Vitrinalab\Vitrina\Sequence;
use Vitrinalab\Vitrina\SentTable;

Loc::loadMessages(__FILE__);

/**
 * Install / uninstall of the Vitrina module (Marketplace → Installed solutions).
 *
 * Install: register the module, create its two tables, register the event handlers and the
 * agent, the mail event VITRINA_LEAD and the lead secret, copy tools/ (api.php, lead.php) to
 * /bitrix/tools/vitrinalab.vitrina/. Uninstall asks whether to keep
 * the tables (unstep1.php) and reverses the rest.
 */
class vitrinalab_vitrina extends CModule
{
    public $MODULE_ID = 'vitrinalab.vitrina';
    public $MODULE_VERSION;
    public $MODULE_VERSION_DATE;
    public $MODULE_NAME;
    public $MODULE_DESCRIPTION;
    public $PARTNER_NAME;
    public $PARTNER_URI;
    public $MODULE_GROUP_RIGHTS = 'Y';

    public function __construct()
    {
        $arModuleVersion = [];
        include __DIR__ . '/version.php';
        $this->MODULE_VERSION = $arModuleVersion['VERSION'];
        $this->MODULE_VERSION_DATE = $arModuleVersion['VERSION_DATE'];
        $this->MODULE_NAME = Loc::getMessage('VITRINALAB_VITRINA_MODULE_NAME');
        $this->MODULE_DESCRIPTION = Loc::getMessage('VITRINALAB_VITRINA_MODULE_DESCRIPTION');
        $this->PARTNER_NAME = Loc::getMessage('VITRINALAB_VITRINA_PARTNER_NAME');
        $this->PARTNER_URI = 'https://vitrina.example.kz';
    }

    public function DoInstall()
    {
        global $APPLICATION;
        $refusal = match (true) {
            PHP_VERSION_ID < 80100 => Loc::getMessage('VITRINALAB_VITRINA_INSTALL_PHP', ['#VERSION#' => PHP_VERSION]),
            !ModuleManager::isModuleInstalled('iblock') => Loc::getMessage('VITRINALAB_VITRINA_INSTALL_NEEDS', ['#MODULE#' => 'iblock']),
            !ModuleManager::isModuleInstalled('catalog') => Loc::getMessage('VITRINALAB_VITRINA_INSTALL_NEEDS', ['#MODULE#' => 'catalog']),
            // Vitrina reads UTF-8; a windows-1251 site would send every Cyrillic name garbled.
            !Application::isUtfMode() => Loc::getMessage('VITRINALAB_VITRINA_INSTALL_UTF8'),
            default => null,
        };
        if ($refusal !== null) {
            return $this->failInstall((string) $refusal);
        }
        try {
            ModuleManager::registerModule($this->MODULE_ID);
            Loader::includeModule($this->MODULE_ID);
            $this->InstallDB();
            $this->InstallEvents();
            $this->InstallFiles();
            LeadMail::install();
            if (Option::get($this->MODULE_ID, Leads::OPTION) === '') {
                Option::set($this->MODULE_ID, Leads::OPTION, Leads::newSecret()); // VITRINA_LEAD_WEBHOOK_SECRET
            }
            \CAgent::AddAgent(Agent::CALL, $this->MODULE_ID, 'N', Agent::INTERVAL_S);
        } catch (\Throwable $e) {
            // Half an install is worse than none: take back what was done, say why.
            try {
                $this->UnInstallEvents();
                \CAgent::RemoveModuleAgents($this->MODULE_ID);
                ModuleManager::unRegisterModule($this->MODULE_ID);
            } catch (\Throwable) {
            }
            return $this->failInstall(Loc::getMessage('VITRINALAB_VITRINA_INSTALL_ERROR', ['#ERROR#' => $e->getMessage()]) ?? $e->getMessage());
        }
        $APPLICATION->IncludeAdminFile(Loc::getMessage('VITRINALAB_VITRINA_INSTALL_TITLE'), __DIR__ . '/step1.php');

        return true;
    }

    /** The install step shows why (step1.php prints $APPLICATION's exception). */
    private function failInstall(string $message): bool
    {
        global $APPLICATION;
        $APPLICATION->ThrowException($message);
        $APPLICATION->IncludeAdminFile(Loc::getMessage('VITRINALAB_VITRINA_INSTALL_TITLE'), __DIR__ . '/step1.php');

        return false;
    }

    public function DoUninstall()
    {
        global $APPLICATION;
        $request = Application::getInstance()->getContext()->getRequest();
        if ((int) $request->get('step') < 2) {
            $APPLICATION->IncludeAdminFile(Loc::getMessage('VITRINALAB_VITRINA_UNINSTALL_TITLE'), __DIR__ . '/unstep1.php');
            return true;
        }
        Loader::includeModule($this->MODULE_ID);
        \CAgent::RemoveModuleAgents($this->MODULE_ID);
        $this->UnInstallEvents();
        $this->UnInstallFiles();
        if ($request->get('savedata') !== 'Y') {
            $this->UnInstallDB();
        }
        ModuleManager::unRegisterModule($this->MODULE_ID);
        $APPLICATION->IncludeAdminFile(Loc::getMessage('VITRINALAB_VITRINA_UNINSTALL_TITLE'), __DIR__ . '/unstep2.php');

        return true;
    }

    /** The outbox and the sent stamps; kept when they exist already (a reinstall keeps history). */
    public function InstallDB()
    {
        $connection = Application::getConnection();
        $outbox = OutboxTable::getTableName();
        if (!$connection->isTableExists($outbox)) {
            OutboxTable::getEntity()->createDbTable();
            // The sender's due query and the per-product order check both start from these.
            $connection->createIndex($outbox, 'ix_vitrina_outbox_due', ['STATUS', 'NEXT_ATTEMPT_AT']);
            $connection->createIndex($outbox, 'ix_vitrina_outbox_product', ['PRODUCT_ID', 'STATUS']);
        } elseif ($connection->getType() === 'mysql' && strtolower((string) ($connection->query(
            "SELECT DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{$outbox}' AND COLUMN_NAME = 'ID'"
        )->fetch()['DATA_TYPE'] ?? '')) !== 'bigint') {
            // A table kept from version 1.0 (INT ids): the time-based floor needs BIGINT.
            $connection->queryExecute("ALTER TABLE {$outbox} MODIFY ID BIGINT NOT NULL AUTO_INCREMENT");
        }
        // Ids (the webhook's sequence) only grow, across reinstalls and the old library.
        Sequence::raiseFloor($outbox, microtime(true));
        if (!$connection->isTableExists(SentTable::getTableName())) {
            SentTable::getEntity()->createDbTable();
        }
        if (!$connection->isTableExists(NonceTable::getTableName())) {
            NonceTable::getEntity()->createDbTable();
        }
        if (!$connection->isTableExists(LeadTable::getTableName())) {
            LeadTable::getEntity()->createDbTable();
        }

        return true;
    }

    public function UnInstallDB()
    {
        $connection = Application::getConnection();
        foreach ([OutboxTable::getTableName(), SentTable::getTableName(), NonceTable::getTableName(), LeadTable::getTableName()] as $table) {
            if ($connection->isTableExists($table)) {
                $connection->dropTable($table);
            }
        }
        // unRegisterModule leaves options behind, the webhook secrets among them.
        Option::delete($this->MODULE_ID);
        LeadMail::uninstall();

        return true;
    }

    public function InstallEvents()
    {
        $events = EventManager::getInstance();
        foreach (Events::HANDLERS as [$module, $event, $method]) {
            if (Events::isD7($event)) {
                $events->registerEventHandler($module, $event, $this->MODULE_ID, Events::class, $method);
            } else {
                $events->registerEventHandlerCompatible($module, $event, $this->MODULE_ID, Events::class, $method);
            }
        }

        return true;
    }

    public function UnInstallEvents()
    {
        $events = EventManager::getInstance();
        foreach (Events::HANDLERS as [$module, $event, $method]) {
            $events->unRegisterEventHandler($module, $event, $this->MODULE_ID, Events::class, $method);
        }

        return true;
    }

    /** tools/ → /bitrix/tools/vitrinalab.vitrina/: api.php (the manifest, resends) and lead.php (requests). */
    public function InstallFiles()
    {
        CopyDirFiles(__DIR__ . '/tools', Application::getDocumentRoot() . '/bitrix/tools/' . $this->MODULE_ID, true, true);

        return true;
    }

    public function UnInstallFiles()
    {
        DeleteDirFilesEx('/bitrix/tools/' . $this->MODULE_ID);

        return true;
    }
}
