<?php

declare(strict_types=1);

namespace Vitrinalab\Vitrina;

/** Could not read the product right now: the row is retried later. */
final class ProductSourceUnavailable extends \RuntimeException
{
}

/** The product cannot be sent as it is (e.g. a price with no rate to KZT): failed at once, shown to the admin. */
final class ProductRefused extends \RuntimeException
{
}

/** Where the sender reads a product's current state at send time. */
interface ProductSource
{
    /**
     * @return array<string, mixed>|null the product, or null when it is no longer in the catalog
     * @throws ProductSourceUnavailable
     * @throws ProductRefused
     */
    public function fetch(int $productId): ?array;
}

/** The default: the product built from the info block element, its prices and stock. */
final class CatalogSource implements ProductSource
{
    public function __construct(private readonly Catalog $catalog)
    {
    }

    public function fetch(int $productId): ?array
    {
        try {
            $product = $this->catalog->products([$productId])[$productId];
        } catch (\Bitrix\Main\DB\SqlQueryException $e) {
            throw new ProductSourceUnavailable('database: ' . $e->getMessage(), 0, $e);
        }
        $offers = $product === null ? [] : array_keys($this->catalog->offerIdsOf($productId));
        foreach (array_merge([$productId], $offers) as $id) {
            if (($why = $this->catalog->refusal($id)) !== null) {
                throw new ProductRefused("product {$productId}: {$why}");
            }
        }

        return $product;
    }
}

/**
 * For the shop that has its own REST API (GET /api/v2/products/detail?id=N): its answer is sent
 * as is, so a shop whose API already applies its own rules keeps them.
 */
final class ShopApiSource implements ProductSource
{
    public function __construct(
        private readonly HttpTransport $http,
        private readonly string $baseUrl,
        private readonly string $token,
        private readonly float $timeoutS,
    ) {
    }

    public function fetch(int $productId): ?array
    {
        $url = $this->baseUrl . '/api/v2/products/detail?id=' . $productId;
        $headers = ['Accept' => 'application/json'] + ($this->token !== '' ? ['Authorization' => 'Bearer ' . $this->token] : []);
        $response = $this->http->request('GET', $url, $headers, null, $this->timeoutS);
        if ($response->status === 404) {
            return null;
        }
        if ($response->status !== 200) {
            throw new ProductSourceUnavailable("shop API {$url}: " . ($response->isNetworkError() ? $response->error : "HTTP {$response->status}"));
        }
        $json = json_decode($response->body, true);
        if (!\is_array($json)) {
            throw new ProductSourceUnavailable("shop API {$url}: the answer is not JSON");
        }

        return ($json['success'] ?? false) === true && \is_array($json['data'] ?? null) ? $json['data'] : null;
    }
}
