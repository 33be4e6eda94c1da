<?php

declare(strict_types=1);

namespace Vitrinalab\Vitrina;

use Bitrix\Main\Localization\Loc;

Loc::loadMessages(__FILE__);

/**
 * The mail event VITRINA_LEAD (Settings → Mail events): its type, described in Russian and
 * English, and one message template for every site, to the site's own address
 * (#DEFAULT_EMAIL_FROM#) — the manager changes the recipient there, as for any Bitrix mail.
 * Made at install, kept by an uninstall that keeps data, removed by a full one.
 */
final class LeadMail
{
    public static function install(): void
    {
        if (!\CEventType::GetList(['EVENT_NAME' => Leads::EVENT])->fetch()) {
            foreach (['ru', 'en'] as $lang) {
                \CEventType::Add([
                    'LID' => $lang,
                    'EVENT_NAME' => Leads::EVENT,
                    'NAME' => Loc::getMessage('VITRINALAB_VITRINA_LEAD_TYPE_NAME', null, $lang),
                    'DESCRIPTION' => Loc::getMessage('VITRINALAB_VITRINA_LEAD_TYPE_DESCRIPTION', null, $lang),
                ]);
            }
        }
        $by = 'id';
        $order = 'asc';
        if (\CEventMessage::GetList($by, $order, ['TYPE_ID' => Leads::EVENT])->fetch()) {
            return; // kept from an earlier install: the manager may have edited it
        }
        $sites = [];
        $by = 'sort';
        $result = \CSite::GetList($by, $order, []);
        while ($row = $result->fetch()) {
            $sites[] = (string) $row['LID'];
        }
        $message = new \CEventMessage();
        $added = $message->Add([
            'ACTIVE' => 'Y',
            'EVENT_NAME' => Leads::EVENT,
            'LID' => $sites,
            'EMAIL_FROM' => '#DEFAULT_EMAIL_FROM#',
            'EMAIL_TO' => '#DEFAULT_EMAIL_FROM#',
            'SUBJECT' => Loc::getMessage('VITRINALAB_VITRINA_LEAD_SUBJECT'),
            'MESSAGE' => Loc::getMessage('VITRINALAB_VITRINA_LEAD_MESSAGE'),
            'BODY_TYPE' => 'text',
        ]);
        if (!$added) {
            throw new \RuntimeException('the mail template ' . Leads::EVENT . ' was not created: ' . $message->LAST_ERROR);
        }
    }

    public static function uninstall(): void
    {
        $by = 'id';
        $order = 'asc';
        $result = \CEventMessage::GetList($by, $order, ['TYPE_ID' => Leads::EVENT]);
        while ($row = $result->fetch()) {
            \CEventMessage::Delete((int) $row['ID']);
        }
        \CEventType::Delete(Leads::EVENT);
    }
}
