<?php

/*
 * Signatures made here verify in Vitrina's Python (vitrina.ingest.signatures.verify).
 * VITRINA_PYTHON names the interpreter with vitrina installed (default: the repo's .venv).
 */

declare(strict_types=1);

require __DIR__ . '/lib/site.php';
require_once StandIn::MODULE_DIR . '/lib/signer.php';

use Vitrinalab\Vitrina\Signer;

$python = getenv('VITRINA_PYTHON') ?: dirname(__DIR__, 3) . '/.venv/bin/python';

/** Ask Python to verify; returns its stdout ("ok <msg id>" or "refused: ..."). */
function python_verify(string $python, array $headers, string $body, array $secrets, int $now): string
{
    $script = <<<'PY'
import json, sys
from vitrina.ingest.signatures import verify
from vitrina.errors import Unauthorized
args = json.loads(sys.argv[1])
body = sys.stdin.buffer.read()
try:
    print("ok", verify(args["headers"], body, args["secrets"], now=args["now"]))
except Unauthorized as exc:
    print("refused:", exc)
PY;
    [$code, $out, $err] = run_command([$python, '-c', $script, json_encode(compact('headers', 'secrets', 'now'))], [], $body);
    check($code === 0, "python failed ({$code}): {$err}");

    return trim($out);
}

test('the Standard Webhooks spec example signs to the published signature', function (): void {
    same(
        'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
        Signer::sign('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}'),
    );
});

test('a signature made in PHP verifies in Vitrina\'s Python', function () use ($python): void {
    check(is_string($python) && is_executable($python), "no Python with vitrina: set VITRINA_PYTHON (tried {$python})");
    $body = json_encode(['event_type' => 'product.updated', 'product_data' => ['id' => 698977, 'title' => 'Собранный букет', 'price' => "20\u{00A0}000 ₸"], 'event_id' => 'b3f1c2d4-0000-4000-8000-000000000001', 'sequence' => 42, 'occurred_at' => '2025-10-24T10:42:55Z'], JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES);
    $ts = 1_761_300_000;
    $headers = Signer::headers([SECRET], 'b3f1c2d4-0000-4000-8000-000000000001', $ts, $body);
    same('ok b3f1c2d4-0000-4000-8000-000000000001', python_verify($python, $headers, $body, [SECRET], $ts));
    // Any change to the body, or another secret, is refused.
    check(str_starts_with(python_verify($python, $headers, $body . ' ', [SECRET], $ts), 'refused'), 'tampered body refused');
    $other = 'whsec_' . base64_encode(random_bytes(32));
    check(str_starts_with(python_verify($python, $headers, $body, [$other], $ts), 'refused'), 'wrong secret refused');
});

test('during rotation, a message signed with old and new secrets verifies with either one alone', function () use ($python): void {
    $old = SECRET;
    $new = 'whsec_' . base64_encode(random_bytes(32));
    $body = '{"event_type":"product.deleted","product_data":{"id":1}}';
    $headers = Signer::headers([$old, $new], 'evt-1', 1_761_300_000, $body);
    same(2, count(explode(' ', $headers['webhook-signature'])));
    same('ok evt-1', python_verify($python, $headers, $body, [$new], 1_761_300_000));
    same('ok evt-1', python_verify($python, $headers, $body, [$old], 1_761_300_000));
});

finish();
