<?php

declare(strict_types=1);

namespace Vitrinalab\Vitrina;

use Bitrix\Main\Application;
use Bitrix\Main\Config\Option;
use Bitrix\Main\Localization\Loc;

Loc::loadMessages(__FILE__);

/**
 * «Закажите похожий»: Vitrina forwards a customer's request as a signed `lead.created` webhook to
 * /bitrix/tools/vitrinalab.vitrina/lead.php (VITRINA_LEAD_WEBHOOK_URL), and the module sends the
 * site's mail event VITRINA_LEAD to the manager (its template: Settings → Mail events).
 *
 * Checked like api.php: Standard Webhooks with the module's own lead secret (`lead_secret`, made at
 * install; VITRINA_LEAD_WEBHOOK_SECRET on Vitrina), 5 minutes of clock skew. A webhook-id already
 * mailed is answered 200 "duplicate" and mailed no second time: Vitrina repeats a delivery under
 * the same id when it did not see our answer, and a 4xx would make it retry for half an hour.
 */
final class Leads
{
    public const EVENT = 'VITRINA_LEAD';
    public const OPTION = 'lead_secret';
    /** The same limits Vitrina's API puts on a request, so a field never arrives cut. */
    /** Vitrina sends at most 900 kB of photo; base64 adds a third. */
    private const MAX_PHOTO_CHARS = 2 * 1_048_576;
    private const LIMITS = ['name' => 200, 'phone' => 40, 'comment' => 2000, 'page_url' => 2000, 'language' => 2, 'created_at' => 40];

    public static function newSecret(): string
    {
        return 'whsec_' . base64_encode(random_bytes(32));
    }

    /** The start of a secret, enough to tell which one is stored, never enough to use. */
    public static function masked(string $secret): string
    {
        return $secret === '' ? '' : substr($secret, 0, 10) . '…';
    }

    /**
     * @param array<string, string> $headers lower-case names
     * @return array{0: int, 1: array<string, mixed>}
     */
    public static function handle(string $method, string $body, array $headers, int $now, string $secret): array
    {
        if ($method !== 'POST') {
            return [405, ['error' => 'method: use POST']];
        }
        if ($secret === '') {
            return [503, ['error' => 'the module has no lead secret yet (Settings → Module settings → Vitrina → Requests)']];
        }
        $why = Signer::verify([$secret], $headers['webhook-id'] ?? null, $headers['webhook-timestamp'] ?? null, $headers['webhook-signature'] ?? null, $body, $now);
        if ($why !== null) {
            return [401, ['error' => $why]];
        }
        if (\strlen((string) $headers['webhook-id']) > NonceTable::MAX_LENGTH) {
            return [422, ['error' => 'webhook-id: at most ' . NonceTable::MAX_LENGTH . ' characters', 'field' => 'webhook-id']];
        }
        $message = json_decode($body, true);
        if (!\is_array($message) || ($message['type'] ?? null) !== 'lead.created' || !\is_array($message['data'] ?? null)) {
            return [422, ['error' => 'type: expected a "lead.created" message with "data", got ' . json_encode($message['type'] ?? null), 'field' => 'type']];
        }
        [$fields, $problem] = self::fields($message['data']);
        [$photo, $photoProblem] = self::photo($message['data']['photo'] ?? null);
        $problem ??= $photoProblem;
        if ($problem !== null) {
            return [422, ['error' => $problem[1], 'field' => $problem[0]]];
        }
        $site = self::site($fields['PAGE_URL']);
        $connection = Application::getConnection();
        $connection->startTransaction();
        $fileId = null;
        try {
            // Claimed and queued in one transaction: a failed send leaves no claim, Vitrina retries.
            if (!LeadTable::claim((string) $headers['webhook-id'], (int) $fields['LEAD_ID'], $site, $now)) {
                $connection->rollbackTransaction();
                return [200, ['status' => 'duplicate', 'detail' => 'webhook-id: this request was mailed already; it is not sent again']];
            }
            if ($photo !== null) {
                // Attached to the mail: the manager sees the bouquet the customer means.
                $fileId = \CFile::SaveFile(['name' => "vitrina-lead-{$fields['LEAD_ID']}.{$photo[1]}", 'type' => "image/{$photo[1]}",
                    'content' => $photo[0], 'MODULE_ID' => Settings::MODULE_ID], Settings::MODULE_ID);
                if (!$fileId) {
                    throw new \RuntimeException('CFile::SaveFile could not store the customer\'s photo');
                }
                LeadTable::attach((string) $headers['webhook-id'], (int) $fileId);
            }
            if (!\CEvent::Send(self::EVENT, $site, $fields, 'N', '', $fileId ? [(int) $fileId] : [])) {
                throw new \RuntimeException('CEvent::Send refused the mail event ' . self::EVENT . ' (is its type installed?)');
            }
            $connection->commitTransaction();
        } catch (\Throwable $e) {
            if ($fileId) {
                \CFile::Delete((int) $fileId); // while its b_file row still exists, so the file goes too
            }
            $connection->rollbackTransaction();
            throw $e;
        }

        return [200, ['status' => 'sent', 'site' => $site]];
    }

    /** The tools/lead.php entry point. */
    public static function serve(): void
    {
        $headers = [];
        foreach (['webhook-id', 'webhook-timestamp', 'webhook-signature'] as $name) {
            $value = $_SERVER['HTTP_' . strtoupper(str_replace('-', '_', $name))] ?? null;
            if (\is_string($value)) {
                $headers[$name] = $value;
            }
        }
        try {
            [$status, $answer] = self::handle((string) ($_SERVER['REQUEST_METHOD'] ?? 'GET'), (string) file_get_contents('php://input'), $headers, time(), Option::get(Settings::MODULE_ID, self::OPTION));
        } catch (\Throwable $e) {
            Log::error('lead: ' . $e->getMessage());
            [$status, $answer] = [503, ['error' => 'the shop could not send the mail just now; try again later']];
        }
        http_response_code($status);
        header('Content-Type: application/json; charset=utf-8');
        header('Cache-Control: no-store');
        if ($status === 503) {
            header('Retry-After: 60');
        }
        echo json_encode($answer, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR);
    }

    /**
     * The mail event's fields from the message's data; or the field that is wrong and why.
     *
     * @param array<string, mixed> $data
     * @return array{0: array<string, string>, 1: array{0: string, 1: string}|null}
     */
    public static function fields(array $data): array
    {
        $id = $data['id'] ?? null;
        if (!\is_int($id) || $id <= 0) {
            return [[], ['data.id', 'data.id: expected a positive integer, got ' . json_encode($id)]];
        }
        $text = [];
        foreach (self::LIMITS as $key => $max) {
            $value = $data[$key] ?? null;
            if ($value !== null && (!\is_string($value) || mb_strlen($value) > $max)) {
                return [[], ["data.{$key}", "data.{$key}: expected text of at most {$max} characters, got " . mb_substr((string) json_encode($value, JSON_UNESCAPED_UNICODE), 0, 80)]];
            }
            $text[$key] = trim((string) $value);
        }
        if ($text['phone'] === '') {
            return [[], ['data.phone', 'data.phone: the customer\'s phone is required, got ' . json_encode($data['phone'] ?? null)]];
        }
        foreach (['product_id', 'search_id'] as $key) {
            if (isset($data[$key]) && (!\is_int($data[$key]) || $data[$key] <= 0)) {
                return [[], ["data.{$key}", "data.{$key}: expected a positive integer or null, got " . json_encode($data[$key])]];
            }
        }
        $photo = $data['photo'] ?? null;
        $none = (string) Loc::getMessage('VITRINALAB_VITRINA_LEAD_NONE');

        return [[
            'LEAD_ID' => (string) $id,
            'NAME' => $text['name'] !== '' ? $text['name'] : $none,
            'PHONE' => $text['phone'],
            'COMMENT' => $text['comment'] !== '' ? $text['comment'] : $none,
            'PAGE_URL' => $text['page_url'] !== '' ? $text['page_url'] : $none,
            'PRODUCT_ID' => isset($data['product_id']) ? (string) $data['product_id'] : $none,
            'SEARCH_ID' => isset($data['search_id']) ? (string) $data['search_id'] : '',
            'LANGUAGE' => $text['language'],
            'CREATED_AT' => $text['created_at'],
            'PHOTO' => (string) Loc::getMessage(\is_string($photo) && $photo !== '' ? 'VITRINALAB_VITRINA_LEAD_PHOTO_YES' : 'VITRINALAB_VITRINA_LEAD_PHOTO_NO'),
        ], null];
    }

    /**
     * The customer's photo (a data: URL of a JPEG, PNG or WebP, as Vitrina sends it, checked by its
     * first bytes) as [bytes, extension]; null without one; or the problem.
     *
     * @return array{0: array{0: string, 1: string}|null, 1: array{0: string, 1: string}|null}
     */
    public static function photo(mixed $photo): array
    {
        if ($photo === null || $photo === '') {
            return [null, null];
        }
        $bytes = \is_string($photo) && \strlen($photo) <= self::MAX_PHOTO_CHARS && preg_match('#^data:image/(?:jpeg|png|webp);base64,([A-Za-z0-9+/=]+)$#', $photo, $m)
            ? base64_decode($m[1], true) : false;
        $kind = match (true) {
            !\is_string($bytes) => null,
            str_starts_with($bytes, "\xFF\xD8\xFF") => 'jpeg',
            str_starts_with($bytes, "\x89PNG\r\n\x1A\n") => 'png',
            str_starts_with($bytes, 'RIFF') && substr($bytes, 8, 4) === 'WEBP' => 'webp',
            default => null,
        };
        if ($kind === null) {
            return [null, ['data.photo', 'data.photo: expected a data:image/jpeg;base64,… picture (at most ' . intdiv(self::MAX_PHOTO_CHARS, 1_048_576) . ' MB), got ' . json_encode(mb_substr(\is_string($photo) ? $photo : (string) json_encode($photo), 0, 40))]];
        }

        return [[$bytes, $kind], null];
    }

    /** The site the customer was on (by the page's host), else the first site. */
    public static function site(string $pageUrl): string
    {
        $host = strtolower((string) parse_url($pageUrl, PHP_URL_HOST));
        $first = null;
        $by = 'sort';
        $order = 'asc';
        $sites = \CSite::GetList($by, $order, []);
        $urls = Settings::splitSiteUrls(Option::get(Settings::MODULE_ID, 'site_urls'));
        while ($row = $sites->fetch()) {
            $lid = (string) $row['LID'];
            $first ??= $lid;
            $names = [strtolower((string) $row['SERVER_NAME']), strtolower((string) parse_url($urls[$lid] ?? '', PHP_URL_HOST))];
            if ($host !== '' && \in_array($host, $names, true)) {
                return $lid;
            }
        }

        return $first ?? 's1';
    }
}
