<?php

declare(strict_types=1);

namespace Vitrina\Bitrix;

/**
 * Standard Webhooks 1.0 signatures (https://www.standardwebhooks.com).
 *
 * The signed content is "{webhook-id}.{webhook-timestamp}.{raw body}", HMAC-SHA256 keyed with the
 * base64-decoded part of a whsec_ secret. Several secrets give several space-separated v1 entries,
 * so Vitrina can rotate its secret without losing a delivery.
 */
final class Signer
{
    private const PREFIX = 'whsec_';

    /** The HMAC key of a whsec_ secret. */
    public static function key(string $secret): string
    {
        $encoded = str_starts_with($secret, self::PREFIX) ? substr($secret, \strlen(self::PREFIX)) : $secret;
        $key = base64_decode($encoded, true);
        if ($key === false || $key === '') {
            throw new \InvalidArgumentException('webhook secret ' . substr($secret, 0, 10) . '… is not valid base64');
        }

        return $key;
    }

    /** One "v1,<base64>" entry. */
    public static function sign(string $secret, string $msgId, int $timestamp, string $body): string
    {
        $mac = hash_hmac('sha256', "{$msgId}.{$timestamp}.{$body}", self::key($secret), true);

        return 'v1,' . base64_encode($mac);
    }

    /**
     * The three headers for one message, every secret signing.
     *
     * @param list<string> $secrets
     * @return array<string, string>
     */
    public static function headers(array $secrets, string $msgId, int $timestamp, string $body): array
    {
        if ($secrets === []) {
            throw new \InvalidArgumentException('no webhook secret configured (VITRINA_WEBHOOK_SECRETS)');
        }
        $entries = array_map(static fn (string $s): string => self::sign($s, $msgId, $timestamp, $body), $secrets);

        return [
            'webhook-id' => $msgId,
            'webhook-timestamp' => (string) $timestamp,
            'webhook-signature' => implode(' ', $entries),
        ];
    }
}
