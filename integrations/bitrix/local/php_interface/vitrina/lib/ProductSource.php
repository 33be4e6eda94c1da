<?php

declare(strict_types=1);

namespace Vitrina\Bitrix;

/** Could not read the product right now (shop API down, bad answer): the row is retried. */
final class ProductSourceUnavailable extends \RuntimeException
{
}

/** Where the sender reads a product's latest state, in the format of product-detail.json. */
interface ProductSource
{
    /**
     * @return array<string, mixed>|null the product, or null when it no longer exists
     * @throws ProductSourceUnavailable
     */
    public function fetch(int $productId): ?array;
}

/**
 * Reads products through the shop's own REST API (GET /api/v2/products/detail?id=N).
 *
 * Chosen over building the JSON from CIBlockElement/CPrice here: the shop's API already knows its
 * property codes, price types, photo resizing and availability rules, and is exactly the format
 * Vitrina's bulk import reads, so a webhook and an import can never disagree about a product.
 */
final class ShopApiProductSource implements ProductSource
{
    public function __construct(
        private readonly HttpTransport $http,
        private readonly string $baseUrl,
        private readonly ?string $token,
        private readonly float $timeoutS,
    ) {
    }

    public function fetch(int $productId): ?array
    {
        $url = rtrim($this->baseUrl, '/') . '/api/v2/products/detail?id=' . $productId;
        $headers = ['Accept' => 'application/json'];
        if ($this->token !== null && $this->token !== '') {
            $headers['Authorization'] = 'Bearer ' . $this->token;
        }
        $response = $this->http->request('GET', $url, $headers, null, $this->timeoutS);
        if ($response->status === 404) {
            return null;
        }
        if ($response->status !== 200) {
            $why = $response->isNetworkError() ? $response->error : "HTTP {$response->status}";
            throw new ProductSourceUnavailable("shop API {$url}: {$why}");
        }
        $json = json_decode($response->body, true);
        if (!\is_array($json)) {
            throw new ProductSourceUnavailable("shop API {$url}: answer is not JSON");
        }
        // The shop answers {"success": false} for an id it does not have (any more).
        if (($json['success'] ?? false) !== true || !\is_array($json['data'] ?? null)) {
            return null;
        }

        return $json['data'];
    }
}
