<?php

declare(strict_types=1);

namespace Vitrina\Bitrix;

/** One HTTP answer; status 0 means no answer at all (refused, timed out, DNS). */
final class HttpResponse
{
    /**
     * @param array<string, string> $headers lower-case names
     */
    public function __construct(
        public readonly int $status,
        public readonly string $body = '',
        public readonly array $headers = [],
        public readonly string $error = '',
    ) {
    }

    public function header(string $name): ?string
    {
        return $this->headers[strtolower($name)] ?? null;
    }

    public function isNetworkError(): bool
    {
        return $this->status === 0;
    }
}

/** The HTTP the module does: one boundary so tests can script answers. */
interface HttpTransport
{
    /** @param array<string, string> $headers */
    public function request(string $method, string $url, array $headers, ?string $body, float $timeoutS): HttpResponse;
}

/**
 * HTTP over PHP streams: needs no curl extension, so the module runs on any Bitrix host.
 */
final class StreamTransport implements HttpTransport
{
    public function request(string $method, string $url, array $headers, ?string $body, float $timeoutS): HttpResponse
    {
        $lines = ['Connection: close'];
        foreach ($headers as $name => $value) {
            $lines[] = "{$name}: {$value}";
        }
        $context = stream_context_create([
            'http' => [
                'method' => $method,
                'header' => implode("\r\n", $lines),
                'content' => $body ?? '',
                'timeout' => $timeoutS,      // connect and each read
                'ignore_errors' => true,     // give us the body of 4xx/5xx answers
                'follow_location' => 0,      // a redirect would turn our POST into a GET
                'protocol_version' => 1.1,
            ],
        ]);

        $error = '';
        set_error_handler(static function (int $no, string $message) use (&$error): bool {
            $error = $message;
            return true;
        });
        try {
            $stream = fopen($url, 'rb', false, $context);
            $responseBody = '';
            $meta = [];
            if ($stream !== false) {
                $meta = stream_get_meta_data($stream);
                $read = stream_get_contents($stream);
                $meta = stream_get_meta_data($stream) + $meta;
                fclose($stream);
                if ($read === false || !empty($meta['timed_out'])) {
                    return new HttpResponse(0, '', [], 'read timed out after ' . $timeoutS . ' s');
                }
                $responseBody = $read;
            }
        } finally {
            restore_error_handler();
        }
        if ($stream === false) {
            return new HttpResponse(0, '', [], $error !== '' ? $error : 'request failed');
        }

        return self::parse($meta['wrapper_data'] ?? [], $responseBody);
    }

    /** @param list<string> $rawHeaders */
    private static function parse(array $rawHeaders, string $body): HttpResponse
    {
        $status = 0;
        $headers = [];
        foreach ($rawHeaders as $line) {
            if (preg_match('#^HTTP/\S+\s+(\d{3})#', $line, $m)) {
                $status = (int) $m[1];
                $headers = []; // only the last response's headers count
                continue;
            }
            $parts = explode(':', $line, 2);
            if (\count($parts) === 2) {
                $headers[strtolower(trim($parts[0]))] = trim($parts[1]);
            }
        }

        return new HttpResponse($status, $body, $headers);
    }
}
