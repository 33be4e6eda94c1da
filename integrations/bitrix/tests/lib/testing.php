<?php

/*
 * A tiny test harness for plain `php` scripts: test(), assertions, temp dirs, PHP built-in servers.
 * A script exits 1 when any test failed, so the pytest wrapper (and CI) see it.
 */

declare(strict_types=1);

error_reporting(E_ALL);
set_error_handler(static function (int $no, string $message, string $file, int $line): bool {
    if (!(error_reporting() & $no)) {
        return false; // silenced with @
    }
    throw new ErrorException($message, 0, $no, $file, $line);
});

define('BITRIX_ROOT', dirname(__DIR__, 2));

final class AssertionFailed extends RuntimeException
{
}

final class Tests
{
    public static int $passed = 0;
    /** @var list<string> */
    public static array $failed = [];
    /** @var list<callable> run after each test, even a failed one */
    public static array $cleanups = [];
}

function test(string $name, callable $body): void
{
    try {
        $body();
        Tests::$passed++;
        echo "ok   {$name}\n";
    } catch (Throwable $e) {
        Tests::$failed[] = $name;
        echo "FAIL {$name}\n     " . get_class($e) . ': ' . $e->getMessage() . "\n     at " . $e->getFile() . ':' . $e->getLine() . "\n";
    } finally {
        while ($cleanup = array_pop(Tests::$cleanups)) {
            try {
                $cleanup();
            } catch (Throwable) {
            }
        }
    }
}

function finish(): never
{
    $failed = count(Tests::$failed);
    echo "\n" . Tests::$passed . " passed, {$failed} failed\n";
    exit($failed === 0 ? 0 : 1);
}

function check(bool $condition, string $message): void
{
    if (!$condition) {
        throw new AssertionFailed($message);
    }
}

function same(mixed $expected, mixed $actual, string $what = ''): void
{
    if ($expected !== $actual) {
        throw new AssertionFailed(($what !== '' ? "{$what}: " : '') . 'expected ' . var_export($expected, true) . ', got ' . var_export($actual, true));
    }
}

function throws(string $class, callable $body): Throwable
{
    try {
        $body();
    } catch (Throwable $e) {
        check($e instanceof $class, "expected {$class}, got " . get_class($e) . ': ' . $e->getMessage());
        return $e;
    }
    throw new AssertionFailed("expected {$class}, nothing was thrown");
}

function tmpdir(): string
{
    $dir = sys_get_temp_dir() . '/vitrina-bitrix-' . bin2hex(random_bytes(4));
    mkdir($dir, 0700, true);
    Tests::$cleanups[] = static function () use ($dir): void {
        foreach (glob($dir . '/{,.}*', GLOB_BRACE) ?: [] as $file) {
            if (is_file($file)) {
                unlink($file);
            }
        }
        rmdir($dir);
    };

    return $dir;
}

function free_port(): int
{
    $server = stream_socket_server('tcp://127.0.0.1:0');
    $name = stream_socket_get_name($server, false);
    fclose($server);

    return (int) substr((string) strrchr((string) $name, ':'), 1);
}

/**
 * A PHP built-in web server running $router, until the current test ends (or stop_server()).
 *
 * @param array<string, string> $env
 * @return array{proc: resource, port: int, url: string}
 */
function start_server(string $router, array $env = [], ?int $port = null): array
{
    $port ??= free_port();
    $log = sys_get_temp_dir() . "/vitrina-php-server-{$port}.log";
    $proc = proc_open(
        [PHP_BINARY, '-d', 'variables_order=EGPCS', '-S', "127.0.0.1:{$port}", $router],
        [0 => ['file', '/dev/null', 'r'], 1 => ['file', $log, 'a'], 2 => ['file', $log, 'a']],
        $pipes,
        null,
        $env + getenv(),
    );
    $server = ['proc' => $proc, 'port' => $port, 'url' => "http://127.0.0.1:{$port}"];
    Tests::$cleanups[] = static fn () => stop_server($server);
    $deadline = microtime(true) + 10;
    while (microtime(true) < $deadline) {
        $socket = @stream_socket_client("tcp://127.0.0.1:{$port}", $errno, $errstr, 0.2);
        if ($socket !== false) {
            fclose($socket);
            return $server;
        }
        usleep(50_000);
    }
    throw new RuntimeException("php -S on port {$port} did not start: " . @file_get_contents($log));
}

/** @param array{proc: resource, port: int, url: string} $server */
function stop_server(array $server): void
{
    if (is_resource($server['proc'])) {
        proc_terminate($server['proc']);
        proc_close($server['proc']);
    }
}

/**
 * Run a command, return [exit code, stdout, stderr].
 *
 * @param list<string> $command
 * @param array<string, string> $env
 * @return array{0: int, 1: string, 2: string}
 */
function run_command(array $command, array $env = [], ?string $stdin = null): array
{
    $proc = proc_open($command, [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, null, $env + getenv());
    fwrite($pipes[0], $stdin ?? '');
    fclose($pipes[0]);
    $out = stream_get_contents($pipes[1]);
    $err = stream_get_contents($pipes[2]);
    fclose($pipes[1]);
    fclose($pipes[2]);

    return [proc_close($proc), (string) $out, (string) $err];
}
