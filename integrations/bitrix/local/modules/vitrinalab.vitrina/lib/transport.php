<?php

declare(strict_types=1);

namespace Vitrinalab\Vitrina;

use Bitrix\Main\Web\HttpClient;

/** An HTTP answer, or no answer (status 0, error set). */
final class HttpResponse
{
    /** @param array<string, string> $headers lower-case names */
    public function __construct(
        public readonly int $status,
        public readonly string $body = '',
        public readonly array $headers = [],
        public readonly string $error = '',
    ) {
    }

    public function isNetworkError(): bool
    {
        return $this->status === 0;
    }

    public function header(string $name): ?string
    {
        return $this->headers[strtolower($name)] ?? null;
    }
}

/** The one HTTP boundary of the module, so the sender is tested with scripted answers. */
interface HttpTransport
{
    /** @param array<string, string> $headers */
    public function request(string $method, string $url, array $headers, ?string $body, float $timeoutS): HttpResponse;
}

/** Bitrix's own \Bitrix\Main\Web\HttpClient: proxies and TLS settings of the site apply. */
final class BitrixHttpTransport implements HttpTransport
{
    public function request(string $method, string $url, array $headers, ?string $body, float $timeoutS): HttpResponse
    {
        $http = new HttpClient([
            'socketTimeout' => $timeoutS,
            'streamTimeout' => $timeoutS,
            'redirect' => false, // a redirect would drop the POST body; treat it as a wrong URL
        ]);
        foreach ($headers as $name => $value) {
            $http->setHeader($name, $value);
        }
        if (!$http->query($method, $url, $body)) {
            $error = implode('; ', array_map(static fn ($k, $v): string => "{$k}: {$v}", array_keys($http->getError()), $http->getError()));

            return new HttpResponse(0, '', [], $error !== '' ? $error : "no answer from {$url}");
        }
        $lower = [];
        foreach (['content-type', 'retry-after', 'webhook-id', 'webhook-timestamp', 'webhook-signature'] as $name) {
            $value = $http->getHeaders()->get($name);
            if (\is_string($value)) {
                $lower[$name] = $value;
            }
        }

        return new HttpResponse($http->getStatus(), $http->getResult(), $lower);
    }
}
