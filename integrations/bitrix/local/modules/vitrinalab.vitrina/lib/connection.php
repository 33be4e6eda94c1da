<?php

declare(strict_types=1);

namespace Vitrinalab\Vitrina;

use Bitrix\Main\Localization\Loc;

Loc::loadMessages(__FILE__);

/**
 * "Check the connection" on the settings page: is Vitrina reachable, and does it accept our
 * signature? The second is asked with a signed empty event: Vitrina checks the signature first
 * and answers 401 when it is wrong, 422 (the event is empty) when it is right — nothing changes.
 */
final class Connection
{
    /** @return list<array{ok: bool, text: string}> */
    public static function check(Settings $settings, HttpTransport $http): array
    {
        $lines = [];
        $health = $http->request('GET', $settings->vitrinaUrl . '/healthz', ['Accept' => 'application/json'], null, $settings->timeoutS);
        if ($health->status !== 200) {
            $why = $health->isNetworkError() ? $health->error : "HTTP {$health->status}";
            return [['ok' => false, 'text' => Loc::getMessage('VITRINALAB_VITRINA_CHECK_UNREACHABLE', ['#URL#' => $settings->vitrinaUrl, '#WHY#' => $why])]];
        }
        $lines[] = ['ok' => true, 'text' => Loc::getMessage('VITRINALAB_VITRINA_CHECK_REACHABLE', ['#URL#' => $settings->vitrinaUrl])];
        $body = '{}';
        $headers = ['Content-Type' => 'application/json'] + Signer::headers($settings->secrets, 'check-' . Outbox::uuid4(), time(), $body);
        $answer = $http->request('POST', $settings->webhookUrl(), $headers, $body, $settings->timeoutS);
        $lines[] = match (true) {
            \in_array($answer->status, [400, 422], true) => ['ok' => true, 'text' => Loc::getMessage('VITRINALAB_VITRINA_CHECK_SECRET_OK')],
            $answer->status === 401 => ['ok' => false, 'text' => Loc::getMessage('VITRINALAB_VITRINA_CHECK_SECRET_BAD')],
            default => ['ok' => false, 'text' => Loc::getMessage('VITRINALAB_VITRINA_CHECK_ODD', ['#STATUS#' => (string) $answer->status, '#BODY#' => mb_substr($answer->body, 0, 300)])],
        };

        return $lines;
    }
}
