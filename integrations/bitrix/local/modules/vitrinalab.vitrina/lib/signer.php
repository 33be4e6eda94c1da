<?php

declare(strict_types=1);

namespace Vitrinalab\Vitrina;

/**
 * Standard Webhooks 1.0 signatures (https://www.standardwebhooks.com), both ways: the module signs
 * what it posts to Vitrina, and checks what Vitrina asks of it (manifest, resend).
 *
 * The signed content is "{webhook-id}.{webhook-timestamp}.{raw body}", HMAC-SHA256 keyed with the
 * base64-decoded part of a whsec_ secret; several secrets give several "v1," entries (rotation).
 */
final class Signer
{
    /** Requests more than this far from our clock are refused (replays). */
    public const TOLERANCE_S = 300;

    public static function isValid(string $secret): bool
    {
        try {
            self::key($secret);
            return str_starts_with($secret, 'whsec_');
        } catch (\InvalidArgumentException) {
            return false;
        }
    }

    public static function key(string $secret): string
    {
        $encoded = str_starts_with($secret, 'whsec_') ? substr($secret, 6) : $secret;
        $key = base64_decode($encoded, true);
        if ($key === false || $key === '') {
            throw new \InvalidArgumentException('webhook secret ' . substr($secret, 0, 10) . '… is not valid base64');
        }

        return $key;
    }

    public static function sign(string $secret, string $msgId, int $timestamp, string $body): string
    {
        return 'v1,' . base64_encode(hash_hmac('sha256', "{$msgId}.{$timestamp}.{$body}", self::key($secret), true));
    }

    /**
     * @param list<string> $secrets
     * @return array<string, string> webhook-id, webhook-timestamp, webhook-signature
     */
    public static function headers(array $secrets, string $msgId, int $timestamp, string $body): array
    {
        if ($secrets === []) {
            throw new \InvalidArgumentException('no webhook secret configured');
        }

        return [
            'webhook-id' => $msgId,
            'webhook-timestamp' => (string) $timestamp,
            'webhook-signature' => implode(' ', array_map(static fn (string $s): string => self::sign($s, $msgId, $timestamp, $body), $secrets)),
        ];
    }

    /**
     * Check a signed request; null when it is genuine, else why not (for the 401 answer).
     *
     * @param list<string> $secrets
     */
    public static function verify(array $secrets, ?string $msgId, ?string $timestamp, ?string $signature, string $body, int $now): ?string
    {
        if ($secrets === []) {
            return 'no secret is configured in the module';
        }
        if ($msgId === null || $msgId === '' || $timestamp === null || !ctype_digit($timestamp) || $signature === null) {
            return 'webhook-id, webhook-timestamp and webhook-signature headers are required';
        }
        if (abs($now - (int) $timestamp) > self::TOLERANCE_S) {
            return "webhook-timestamp {$timestamp} is more than " . self::TOLERANCE_S . ' s from the shop\'s clock';
        }
        $given = array_filter(explode(' ', $signature));
        foreach ($secrets as $secret) {
            $expected = self::sign($secret, $msgId, (int) $timestamp, $body);
            foreach ($given as $entry) {
                if (hash_equals($expected, $entry)) {
                    return null;
                }
            }
        }

        return 'webhook-signature: no signature matches the module\'s secret';
    }
}
