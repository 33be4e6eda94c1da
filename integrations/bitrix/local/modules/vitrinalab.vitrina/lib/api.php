<?php

declare(strict_types=1);

namespace Vitrinalab\Vitrina;

/**
 * What Vitrina may ask the module, at /bitrix/tools/vitrinalab.vitrina/api.php (copied there by
 * DoInstall): the manifest (active product ids and change stamps, by pages) and "resend these
 * ids". Only a POST signed with the shared secret (Standard Webhooks, like the webhooks the
 * other way) is answered, once per webhook-id (a replay is 409), and the answer is signed under
 * the request's webhook-id, so Vitrina can trust the manifest is the answer to its request.
 *
 *   {"action": "manifest", "site": "s1"|null, "after": 0, "limit": 500}
 *   {"action": "resend", "ids": [698977, ...]}        (at most 1000 ids)
 */
final class Api
{
    public const MAX_LIMIT = 1000;

    /**
     * @param array<string, string> $headers lower-case names
     * @return array{0: int, 1: array<string, mixed>}
     */
    public static function handle(string $method, string $body, array $headers, int $now, Settings $settings): array
    {
        if ($method !== 'POST') {
            return [405, ['error' => 'method: use POST']];
        }
        if ($settings->secrets === [] || $settings->iblockIds === []) {
            return [503, ['error' => 'the module is not configured yet (Settings → Module settings → Vitrina)']];
        }
        $why = Signer::verify($settings->secrets, $headers['webhook-id'] ?? null, $headers['webhook-timestamp'] ?? null, $headers['webhook-signature'] ?? null, $body, $now);
        if ($why !== null) {
            return [401, ['error' => $why]];
        }
        if (!NonceTable::claim((string) $headers['webhook-id'], $now)) {
            return [409, ['error' => 'webhook-id: this request was answered already; a replayed request is refused', 'field' => 'webhook-id']];
        }
        $request = json_decode($body, true);
        if (!\is_array($request)) {
            return [400, ['error' => 'body: expected a JSON object']];
        }
        $catalog = new Catalog($settings);

        return match ($request['action'] ?? null) {
            'manifest' => self::manifest($request, $catalog),
            'resend' => self::resend($request, $catalog, $now),
            default => [422, ['error' => 'action: expected "manifest" or "resend", got ' . json_encode($request['action'] ?? null), 'field' => 'action']],
        };
    }

    /** The tools/api.php entry point: read the request, answer signed JSON. */
    public static function serve(): void
    {
        $headers = [];
        foreach (['webhook-id', 'webhook-timestamp', 'webhook-signature'] as $name) {
            $value = $_SERVER['HTTP_' . strtoupper(str_replace('-', '_', $name))] ?? null;
            if (\is_string($value)) {
                $headers[$name] = $value;
            }
        }
        $settings = Settings::load();
        $now = time();
        try {
            [$status, $answer] = self::handle((string) ($_SERVER['REQUEST_METHOD'] ?? 'GET'), (string) file_get_contents('php://input'), $headers, $now, $settings);
        } catch (\Throwable $e) {
            // The catalog could not be read (database busy, say): Vitrina retries a 503 later.
            Log::error('api: ' . $e->getMessage());
            [$status, $answer] = [503, ['error' => 'the shop could not read its catalog just now; try again later']];
        }
        $json = json_encode($answer, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR);
        http_response_code($status);
        header('Content-Type: application/json; charset=utf-8');
        header('Cache-Control: no-store');
        if ($settings->secrets !== []) {
            // Signed under the request's own webhook-id: Vitrina takes only the answer to the request
            // it made, never an answer recorded earlier and played back.
            $id = $headers['webhook-id'] ?? '';
            $answerId = preg_match('/^[\x21-\x7e]{1,200}$/', $id) ? $id : 'vitrina-' . Outbox::uuid4();
            foreach (Signer::headers($settings->secrets, $answerId, $now, $json) as $name => $value) {
                header("{$name}: {$value}");
            }
        }
        echo $json;
    }

    /** @return array{0: int, 1: array<string, mixed>} */
    private static function manifest(array $request, Catalog $catalog): array
    {
        $after = $request['after'] ?? 0;
        $limit = $request['limit'] ?? 500;
        $site = $request['site'] ?? null;
        if (!\is_int($after) || $after < 0) {
            return [422, ['error' => 'after: expected an id ≥ 0, got ' . json_encode($after), 'field' => 'after']];
        }
        if (!\is_int($limit) || $limit < 1 || $limit > self::MAX_LIMIT) {
            return [422, ['error' => 'limit: expected 1–' . self::MAX_LIMIT . ', got ' . json_encode($limit), 'field' => 'limit']];
        }
        if ($site !== null && (!\is_string($site) || !preg_match('/^[A-Za-z0-9_]{1,2}$/', $site))) {
            return [422, ['error' => 'site: expected a Bitrix site id such as "s1", got ' . json_encode($site), 'field' => 'site']];
        }

        return [200, $catalog->manifest($after, $limit, $site)];
    }

    /** @return array{0: int, 1: array<string, mixed>} */
    private static function resend(array $request, Catalog $catalog, int $now): array
    {
        $ids = $request['ids'] ?? null;
        if (!\is_array($ids) || !array_is_list($ids) || \count($ids) > self::MAX_LIMIT) {
            return [422, ['error' => 'ids: expected a list of at most ' . self::MAX_LIMIT . ' product ids', 'field' => 'ids']];
        }
        foreach ($ids as $i => $id) {
            if (!\is_int($id) || $id <= 0) {
                return [422, ['error' => "ids[{$i}]: expected a positive integer, got " . json_encode($id), 'field' => "ids[{$i}]"]];
            }
        }
        $outbox = new Outbox();
        foreach (array_unique($ids) as $id) {
            // The sender reads the product when it sends: one gone from the catalog goes as deleted.
            $outbox->enqueue(Outbox::UPDATED, $id, $now);
        }

        return [200, ['queued' => \count(array_unique($ids))]];
    }
}
