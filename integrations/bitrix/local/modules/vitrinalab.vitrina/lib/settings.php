<?php

declare(strict_types=1);

namespace Vitrinalab\Vitrina;

use Bitrix\Main\Config\Option;

/**
 * The module's settings, read from Bitrix options (Settings → Module settings → Vitrina) and
 * checked once, so a wrong value is reported on the settings page, not on the first send.
 */
final class Settings
{
    public const MODULE_ID = 'vitrinalab.vitrina';
    public const SOURCE_IBLOCK = 'iblock';
    public const SOURCE_SHOP_API = 'shop_api';

    /**
     * @param list<string> $secrets whsec_ secrets; each signs (rotation)
     * @param list<int> $iblockIds catalog info blocks whose elements are products
     * @param array<string, string> $properties payload field => property CODE (height, width, composition, colors, type, more_photo)
     * @param array<string, string> $siteUrls site id => its address for links, over the site's own server name
     */
    public function __construct(
        public readonly string $vitrinaUrl,
        public readonly array $secrets,
        public readonly array $iblockIds,
        public readonly int $priceTypeId,
        public readonly string $productUrlBase,
        public readonly array $properties = [],
        public readonly string $source = self::SOURCE_IBLOCK,
        public readonly string $shopApiUrl = '',
        public readonly string $shopApiToken = '',
        public readonly float $timeoutS = 5.0,
        public readonly int $batchSize = 50,
        public readonly int $maxRunS = 25,
        public readonly float $sendRate = 20.0,
        public readonly int $bulkBatch = 500,
        public readonly int $retryBaseS = 10,
        public readonly int $retryCapS = 3600,
        public readonly int $giveUpAfterS = 259200,
        public readonly int $maxAttempts = 8,
        public readonly array $siteUrls = [],
        public readonly int $keepDeliveredS = 604800,
    ) {
    }

    /**
     * The stored settings; with $values, those values over the stored ones (the settings page
     * checks what the admin typed before saving it).
     *
     * @param array<string, string>|null $values option name => value
     */
    public static function load(?array $values = null): self
    {
        $get = static fn (string $name): string => (string) ($values[$name] ?? Option::get(self::MODULE_ID, $name));

        return new self(
            vitrinaUrl: rtrim(trim($get('vitrina_url')), '/'),
            secrets: self::splitSecrets($get('secret')),
            iblockIds: self::splitInts($get('iblock_ids')),
            priceTypeId: (int) $get('price_type_id'),
            productUrlBase: rtrim(trim($get('product_url_base')), '/'),
            properties: [
                'height' => trim($get('prop_height')),
                'width' => trim($get('prop_width')),
                'composition' => trim($get('prop_composition')),
                'colors' => trim($get('prop_colors')),
                'type' => trim($get('prop_type')),
                'more_photo' => trim($get('prop_more_photo')),
            ],
            source: $get('source') === self::SOURCE_SHOP_API ? self::SOURCE_SHOP_API : self::SOURCE_IBLOCK,
            shopApiUrl: rtrim(trim($get('shop_api_url')), '/'),
            shopApiToken: trim($get('shop_api_token')),
            timeoutS: max(1.0, (float) $get('timeout_s')),
            batchSize: max(1, (int) $get('batch_size')),
            maxRunS: max(5, (int) $get('max_run_s')),
            sendRate: max(0.1, (float) $get('send_rate')),
            bulkBatch: max(10, (int) $get('bulk_batch')),
            retryBaseS: max(1, (int) $get('retry_base_s')),
            retryCapS: max(1, (int) $get('retry_cap_s')),
            giveUpAfterS: max(60, (int) $get('give_up_after_s')),
            maxAttempts: max(1, (int) $get('max_attempts')),
            siteUrls: self::splitSiteUrls($get('site_urls')),
            keepDeliveredS: max(0, (int) $get('keep_delivered_s')),
        );
    }

    /**
     * What is wrong, by option name; empty when the module can send.
     *
     * @return array<string, string> option => message code (VITRINALAB_VITRINA_OPT_ERR_<code>)
     */
    public function problems(): array
    {
        $problems = [];
        if (!preg_match('#^https?://[^\s/]+#', $this->vitrinaUrl)) {
            $problems['vitrina_url'] = 'URL';
        }
        if ($this->secrets === []) {
            $problems['secret'] = 'SECRET_MISSING';
        }
        foreach ($this->secrets as $secret) {
            if (!Signer::isValid($secret)) {
                $problems['secret'] = 'SECRET_INVALID';
            }
        }
        if ($this->iblockIds === []) {
            $problems['iblock_ids'] = 'IBLOCKS'; // both sources: the handlers must know what a product is
        }
        if ($this->source === self::SOURCE_IBLOCK) {
            if ($this->priceTypeId <= 0) {
                $problems['price_type_id'] = 'PRICE_TYPE';
            }
            // Optional: sites have their own server names; this is for a site without one.
            if ($this->productUrlBase !== '' && !preg_match('#^https?://[^\s/]+$#', $this->productUrlBase)) {
                $problems['product_url_base'] = 'URL_BASE';
            }
            foreach ($this->siteUrls as $url) {
                if (!preg_match('#^https?://[^\s/]+$#', $url)) {
                    $problems['site_urls'] = 'SITE_URLS';
                }
            }
        } elseif (!preg_match('#^https?://[^\s/]+#', $this->shopApiUrl)) {
            $problems['shop_api_url'] = 'URL';
        }

        return $problems;
    }

    /** Numeric options and the range each must be in, as typed on the settings page. */
    public const NUMBERS = [
        'send_rate' => [0.1, 1000], 'bulk_batch' => [10, 5000], 'batch_size' => [1, 1000], 'timeout_s' => [1, 60],
    ];

    /**
     * Numbers out of range or not numbers at all, by option name (the parsed settings would clamp
     * them silently, so the raw values are checked before saving).
     *
     * @param array<string, string> $values
     * @return array<string, array{0: float|int, 1: float|int}> option => [min, max]
     */
    public static function numberProblems(array $values): array
    {
        $problems = [];
        foreach (self::NUMBERS as $name => [$min, $max]) {
            $value = str_replace(',', '.', trim($values[$name] ?? ''));
            if (!is_numeric($value) || (float) $value < $min || (float) $value > $max) {
                $problems[$name] = [$min, $max];
            }
        }

        return $problems;
    }

    public function webhookUrl(): string
    {
        return $this->vitrinaUrl . '/api/v1/webhooks/product-sync';
    }

    /** A sender holds a claimed row this long: one product read and one POST fit in it. */
    public function leaseS(): int
    {
        return max(60, (int) ceil(4 * $this->timeoutS));
    }

    /** @return list<string> written like Vitrina's VITRINA_WEBHOOK_SECRETS: comma or space separated */
    public static function splitSecrets(string $value): array
    {
        return array_values(array_filter(preg_split('/[\s,]+/', $value) ?: [], 'strlen'));
    }

    /**
     * "s1=https://flowers.kz, s2=https://gifts.kz" → ['s1' => 'https://flowers.kz', ...]; a part
     * without "=" is kept under '' so that it is reported, not dropped.
     *
     * @return array<string, string>
     */
    public static function splitSiteUrls(string $value): array
    {
        $urls = [];
        foreach (preg_split('/[\s,;]+/', trim($value)) ?: [] as $part) {
            if ($part === '') {
                continue;
            }
            [$site, $url] = str_contains($part, '=') ? explode('=', $part, 2) : ['', $part];
            $urls[trim($site)] = rtrim(trim($url), '/');
        }

        return $urls;
    }

    /** @return list<int> */
    public static function splitInts(string $value): array
    {
        $ids = array_map('intval', preg_split('/[\s,]+/', $value) ?: []);

        return array_values(array_unique(array_filter($ids, static fn (int $id): bool => $id > 0)));
    }
}
