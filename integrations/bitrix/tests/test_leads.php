<?php

/*
 * «Закажите похожий» on the shop's side: Vitrina posts a signed lead.created to
 * /bitrix/tools/vitrinalab.vitrina/lead.php (php -S standin/router.php), the module sends the
 * mail event VITRINA_LEAD once; the event type and template come and go with the module.
 */

declare(strict_types=1);

require __DIR__ . '/lib/site.php';

use Bitrix\Main\Config\Option;
use Vitrinalab\Vitrina\Signer;

function lead_site(Shop $shop): array
{
    return start_server(BITRIX_ROOT . '/standin/router.php', ['STANDIN_ROOT' => $shop->root, 'VITRINA_STANDIN_DB' => $shop->db]);
}

/** @return array{status: int, body: string} */
function post_lead(array $server, string $body, array $headers): array
{
    $response = (new \Vitrinalab\Vitrina\BitrixHttpTransport())->request('POST', $server['url'] . '/bitrix/tools/vitrinalab.vitrina/lead.php', $headers + ['Content-Type' => 'application/json'], $body, 20.0);
    check(!$response->isNetworkError(), (string) $response->error);

    return ['status' => $response->status, 'body' => $response->body];
}

/** The message exactly as Vitrina's lead sender builds it (vitrina.leads.service.webhook_body). */
function lead_body(int $id = 17, array $data = []): string
{
    return json_encode(['type' => 'lead.created', 'timestamp' => '2026-12-07T06:10:00+00:00', 'data' => $data + [
        'id' => $id, 'created_at' => '2026-12-07T06:10:00+00:00', 'name' => 'Айгерим', 'phone' => '+7 701 234 56 78',
        'comment' => 'Такой же, но розовый', 'language' => 'ru', 'page_url' => 'https://gifts.kz/catalog/roses/',
        'product_id' => null, 'search_id' => 912, 'photo' => 'data:image/jpeg;base64,/9j/4AAQ',
    ]], JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES);
}

function signed(string $body, string $secret, string $id = 'lead_17', ?int $at = null): array
{
    return Signer::headers([$secret], $id, $at ?? time(), $body);
}

test('install makes the mail event, its template and a lead secret; a full uninstall removes them', function (): void {
    $shop = new_shop();
    install_module($shop);
    $secret = Option::get(MODULE_ID, 'lead_secret');
    check(Signer::isValid($secret), "a whsec_ secret is made: {$secret}");
    same(['ru', 'en'], array_column(CEventType::GetList(['EVENT_NAME' => 'VITRINA_LEAD'])->fetchAll(), 'LID'));
    $by = 'id';
    $order = 'asc';
    $templates = CEventMessage::GetList($by, $order, ['TYPE_ID' => 'VITRINA_LEAD'])->fetchAll();
    same(1, count($templates));
    same(['s1,s2', '#DEFAULT_EMAIL_FROM#'], [$templates[0]['LID'], $templates[0]['EMAIL_TO']]);
    check(str_contains($templates[0]['MESSAGE'], '#PHONE#') && str_contains($templates[0]['MESSAGE'], 'Телефон'), $templates[0]['MESSAGE']);
    $_GET = ['step' => '2', 'savedata' => 'Y'];
    ob_start();
    (new vitrinalab_vitrina())->DoUninstall();
    ob_end_clean();
    same(1, count(CEventMessage::GetList($by, $order, ['TYPE_ID' => 'VITRINA_LEAD'])->fetchAll()), 'kept with the data');
    install_module($shop);
    same($secret, Option::get(MODULE_ID, 'lead_secret'), 'a reinstall keeps the secret');
    same(1, count(CEventMessage::GetList($by, $order, ['TYPE_ID' => 'VITRINA_LEAD'])->fetchAll()), 'not doubled');
    $_GET = ['step' => '2'];
    ob_start();
    (new vitrinalab_vitrina())->DoUninstall();
    ob_end_clean();
    $_GET = [];
    same([], CEventType::GetList(['EVENT_NAME' => 'VITRINA_LEAD'])->fetchAll());
    same([], CEventMessage::GetList($by, $order, ['TYPE_ID' => 'VITRINA_LEAD'])->fetchAll());
    same('', Option::get(MODULE_ID, 'lead_secret'));
});

test('a signed lead.created sends the mail event once, to the site the customer was on', function (): void {
    $shop = new_shop();
    install_module($shop);
    $server = lead_site($shop);
    $secret = Option::get(MODULE_ID, 'lead_secret');
    $body = lead_body();
    $r = post_lead($server, $body, signed($body, $secret));
    same([200, 'sent'], [$r['status'], json_decode($r['body'], true)['status'] ?? null], $r['body']);
    $sent = StandInMail::sent();
    same(1, count($sent));
    same(['VITRINA_LEAD', 's2'], [$sent[0]['EVENT_NAME'], $sent[0]['LID']], 'gifts.kz is site s2');
    $f = $sent[0]['FIELDS'];
    same(['17', 'Айгерим', '+7 701 234 56 78', 'Такой же, но розовый', 'https://gifts.kz/catalog/roses/', '912'], [$f['LEAD_ID'], $f['NAME'], $f['PHONE'], $f['COMMENT'], $f['PAGE_URL'], $f['SEARCH_ID']]);
    check(str_starts_with($f['PHOTO'], 'приложено'), $f['PHOTO']);
    same(1, count($sent[0]['FILES']), 'the photo is attached to the mail');
    $path = CFile::GetPath($sent[0]['FILES'][0]);
    same(base64_decode('/9j/4AAQ'), file_get_contents($shop->root . $path), "the customer's photo: {$path}");
    // Vitrina did not see the answer and delivers again: same webhook-id, a new timestamp.
    $again = post_lead($server, $body, signed($body, $secret, 'lead_17', time() + 30));
    same([200, 'duplicate'], [$again['status'], json_decode($again['body'], true)['status'] ?? null], $again['body']);
    same(1, count(StandInMail::sent()), 'a replay is not mailed again');
    $other = lead_body(18, ['page_url' => null, 'photo' => null, 'comment' => null]);
    same(200, post_lead($server, $other, signed($other, $secret, 'lead_18'))['status']);
    $f = StandInMail::sent()[1];
    same(['s1', '—', 'нет', []], [$f['LID'], $f['FIELDS']['COMMENT'], $f['FIELDS']['PHOTO'], $f['FILES']], 'no page: the first site; no photo');
    // A month later the agent forgets the request and deletes the photo, as Vitrina does its copy.
    \Vitrinalab\Vitrina\LeadTable::forgetOld(time() + \Vitrinalab\Vitrina\LeadTable::KEEP_S + 60);
    check(!is_file($shop->root . $path), 'the photo is gone');
    same(null, CFile::GetPath(StandInMail::sent()[0]['FILES'][0]));
});

test('a bad signature, an old timestamp or a wrong message is refused and nothing is sent', function (): void {
    $shop = new_shop();
    install_module($shop);
    $server = lead_site($shop);
    $secret = Option::get(MODULE_ID, 'lead_secret');
    $body = lead_body();
    same(401, post_lead($server, $body, [])['status'], 'unsigned');
    $r = post_lead($server, $body, signed($body, 'whsec_' . base64_encode(random_bytes(32))));
    same(401, $r['status'], 'another secret');
    check(str_contains($r['body'], 'webhook-signature'), $r['body']);
    same(401, post_lead($server, $body, signed($body, SECRET))['status'], 'the catalog secret is not the lead secret');
    same(401, post_lead($server, $body, signed($body, $secret, 'lead_17', time() - 301))['status'], 'older than 5 minutes');
    same(401, post_lead($server, $body . ' ', signed($body, $secret))['status'], 'a changed body');
    $noPhone = lead_body(19, ['phone' => '  ']);
    $r = post_lead($server, $noPhone, signed($noPhone, $secret, 'lead_19'));
    same([422, 'data.phone'], [$r['status'], json_decode($r['body'], true)['field'] ?? null], $r['body']);
    $long = lead_body(20, ['comment' => str_repeat('я', 2001)]);
    same('data.comment', json_decode(post_lead($server, $long, signed($long, $secret, 'lead_20'))['body'], true)['field'] ?? null);
    foreach (['data:image/jpeg;base64,' . base64_encode('<?php echo 1;'), 'https://evil.example/x.jpg', 'data:text/html;base64,PGI+'] as $i => $bad) {
        $badPhoto = lead_body(21 + $i, ['photo' => $bad]);
        same('data.photo', json_decode(post_lead($server, $badPhoto, signed($badPhoto, $secret, 'lead_' . (21 + $i)))['body'], true)['field'] ?? null, $bad);
    }
    $longId = str_repeat('x', 201);
    same(422, post_lead($server, $body, signed($body, $secret, $longId))['status'], 'a webhook-id too long to remember');
    $other = json_encode(['type' => 'product.updated', 'data' => []]);
    same(422, post_lead($server, $other, signed($other, $secret, 'x_1'))['status']);
    same([], StandInMail::sent(), 'nothing was mailed');
    same([], StandIn::db()->query('SELECT ID FROM b_file')->fetchAll(), 'nothing was stored');
    // The one refused for its content may come again, fixed, under its own id.
    $fixed = lead_body(19);
    same(200, post_lead($server, $fixed, signed($fixed, $secret, 'lead_19'))['status']);
    same(1, count(StandInMail::sent()));
});

test('without its mail event type the lead is not claimed: 503 with Retry-After, and it goes through later', function (): void {
    $shop = new_shop();
    install_module($shop);
    $server = lead_site($shop);
    $secret = Option::get(MODULE_ID, 'lead_secret');
    CEventType::Delete('VITRINA_LEAD');
    $body = lead_body();
    same(503, post_lead($server, $body, signed($body, $secret))['status']);
    same([], StandInMail::sent());
    \Vitrinalab\Vitrina\LeadMail::install();
    same(200, post_lead($server, $body, signed($body, $secret, 'lead_17', time() + 60))['status'], 'the retry is mailed');
    same(1, count(StandInMail::sent()));
});

finish();
