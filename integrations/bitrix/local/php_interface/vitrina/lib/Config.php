<?php

declare(strict_types=1);

namespace Vitrina\Bitrix;

/**
 * Everything the module needs to know about the shop and Vitrina.
 *
 * Built from constants in init.php on a real site (fromConstants), or directly in tests.
 */
final class Config
{
    /** Outbox rows still failing after this long are given up and kept as `failed` (3 days). */
    public const DEFAULT_GIVE_UP_AFTER_S = 3 * 24 * 3600;

    /**
     * @param list<string> $secrets whsec_ secrets; every one signs (key rotation)
     */
    public function __construct(
        public readonly string $vitrinaUrl,
        public readonly array $secrets,
        public readonly int $catalogIblockId,
        public readonly string $shopApiUrl,
        public readonly ?string $shopApiToken = null,
        public readonly float $timeoutS = 5.0,
        public readonly int $batchSize = 50,
        public readonly int $maxRunS = 25,
        public readonly int $retryBaseS = 10,
        public readonly int $retryCapS = 3600,
        public readonly int $giveUpAfterS = self::DEFAULT_GIVE_UP_AFTER_S,
        public readonly int $keepDeliveredS = 7 * 24 * 3600,
        public readonly string $table = 'vitrina_outbox',
    ) {
        if ($catalogIblockId <= 0) {
            throw new \InvalidArgumentException('VITRINA_CATALOG_IBLOCK_ID must be a positive iblock id');
        }
        foreach ($secrets as $secret) {
            Signer::key($secret); // fail at start-up, not on the first send
        }
        if (!preg_match('/^[A-Za-z_][A-Za-z0-9_]*$/', $table)) {
            throw new \InvalidArgumentException("bad outbox table name: {$table}");
        }
    }

    /** The webhook endpoint on Vitrina. */
    public function webhookUrl(): string
    {
        return rtrim($this->vitrinaUrl, '/') . '/api/v1/webhooks/product-sync';
    }

    /** The lease a sender holds on a claimed row: long enough for one product fetch and one POST. */
    public function leaseS(): int
    {
        return max(60, (int) ceil(4 * $this->timeoutS));
    }

    /** Read the VITRINA_* constants defined in local/php_interface/init.php. */
    public static function fromConstants(): self
    {
        $get = static fn (string $name, mixed $default = null): mixed
            => \defined($name) ? \constant($name) : $default;
        foreach (['VITRINA_URL', 'VITRINA_WEBHOOK_SECRETS', 'VITRINA_CATALOG_IBLOCK_ID', 'VITRINA_SHOP_API_URL'] as $required) {
            if ($get($required) === null) {
                throw new \RuntimeException("Vitrina: constant {$required} is not defined (see README.md)");
            }
        }

        return new self(
            vitrinaUrl: (string) $get('VITRINA_URL'),
            secrets: self::splitSecrets((string) $get('VITRINA_WEBHOOK_SECRETS')),
            catalogIblockId: (int) $get('VITRINA_CATALOG_IBLOCK_ID'),
            shopApiUrl: (string) $get('VITRINA_SHOP_API_URL'),
            shopApiToken: $get('VITRINA_SHOP_API_TOKEN'),
            timeoutS: (float) $get('VITRINA_TIMEOUT_S', 5.0),
            batchSize: (int) $get('VITRINA_BATCH_SIZE', 50),
            maxRunS: (int) $get('VITRINA_MAX_RUN_S', 25),
            retryBaseS: (int) $get('VITRINA_RETRY_BASE_S', 10),
            retryCapS: (int) $get('VITRINA_RETRY_CAP_S', 3600),
            giveUpAfterS: (int) $get('VITRINA_GIVE_UP_AFTER_S', self::DEFAULT_GIVE_UP_AFTER_S),
        );
    }

    /**
     * Secrets are written like Vitrina's VITRINA_WEBHOOK_SECRETS: comma (or space) separated.
     *
     * @return list<string>
     */
    public static function splitSecrets(string $value): array
    {
        return array_values(array_filter(preg_split('/[\s,]+/', $value) ?: [], 'strlen'));
    }
}
