/**
 * The app's clock: the Clock itself, `/_demo/clock` (admin), the `created` times the app records
 * by it, and the `Date` header every response carries from it — how a monitor ages what the app
 * keeps against the app's own "now".
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { waitFor } from '../emulators/stripe/testing/sdk.ts';
import { Clock, MAX_UNIX_SECONDS } from './clock.ts';
import { startDemoHarness, type DemoHarness } from './testing/harness.ts';

const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const wallNow = () => Math.floor(Date.now() / 1000);
const email = (tag: string) => `${tag}-${randomBytes(4).toString('hex')}@example.com`;

describe('Clock', () => {
  it('starts at wall time, is set or advanced, keeps ticking, and formats RFC 7231 dates', async () => {
    const clock = new Clock();
    assert.ok(Math.abs(clock.now() - wallNow()) <= 1);
    clock.set(2_000_000_000);
    assert.ok(clock.now() >= 2_000_000_000 && clock.now() <= 2_000_000_001);
    assert.equal(clock.httpDate(), 'Wed, 18 May 2033 03:33:20 GMT');
    clock.advance(691_200);
    assert.ok(clock.now() >= 2_000_691_200 && clock.now() <= 2_000_691_201);
    assert.match(clock.httpDate(), IMF_FIXDATE);
    await waitFor(() => clock.now() >= 2_000_691_202, 'the clock ticks on after a change', 5000, 50);
    clock.set(MAX_UNIX_SECONDS);
    assert.equal(clock.httpDate(), 'Fri, 31 Dec 9999 23:59:59 GMT');
  });
});

describe('/_demo/clock and the Date header', () => {
  let h: DemoHarness;
  before(async () => {
    h = await startDemoHarness();
  });
  after(() => h?.close());

  const clockNow = async (): Promise<number> => {
    const r = await h.admin('GET', '/_demo/clock');
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body), ['now']);
    return r.body.now;
  };
  /** The Date header of `res` as unix seconds, after checking its format. */
  const dateOf = (res: Response | { headers: Headers }): number => {
    const date = res.headers.get('date') ?? '';
    assert.match(date, IMF_FIXDATE);
    return Date.parse(date) / 1000;
  };

  it('GET answers {now}; POST {now} or {advance_seconds} moves it; what the app creates afterwards carries it', async () => {
    assert.ok(Math.abs((await clockNow()) - wallNow()) <= 2);
    const target = 1_900_000_000;
    const set = await h.admin('POST', '/_demo/clock', { now: target });
    assert.equal(set.status, 200);
    assert.ok(set.body.now >= target && set.body.now < target + 60, JSON.stringify(set.body));
    const env = await h.environment({ canary_run_id: 'clock' });
    assert.ok(env.created >= target && env.created < target + 60, `created ${env.created}`);
    const listed = (await h.admin('GET', '/api/environments')).body.data.find((e: { id: string }) => e.id === env.id);
    assert.equal(listed.created, env.created);
    const { accountId } = await h.signup(env.id, email('clock'));
    const account = await h.account(env.id, accountId!);
    assert.ok(account.created >= target && account.created < target + 60, `account created ${account.created}`);

    const advanced = await h.admin('POST', '/_demo/clock', { advance_seconds: 691_200 });
    assert.equal(advanced.status, 200);
    assert.ok(advanced.body.now >= target + 691_200 && advanced.body.now < target + 691_260, JSON.stringify(advanced.body));
    const later = await h.environment();
    assert.ok(later.created - env.created >= 691_200, 'eight days later by the app’s clock');
    // Going back is allowed too (a test that set the clock puts it back to wall time).
    const back = await h.admin('POST', '/_demo/clock', { now: wallNow() });
    assert.ok(Math.abs(back.body.now - wallNow()) <= 2);
  });

  it('a bad clock body is a 400 naming the field, and moves nothing', async () => {
    const before = await clockNow();
    const cases: [unknown, RegExp][] = [
      [{}, /^Invalid clock body .*: send exactly one of now, advance_seconds$/],
      [{ now: 1, advance_seconds: 1 }, /send exactly one of now, advance_seconds/],
      [{ now: '1900000000' }, /at now: /],
      [{ now: 1.5 }, /at now: /],
      [{ now: -1 }, /at now: /],
      [{ now: MAX_UNIX_SECONDS + 1 }, /at now: /],
      [{ advance_seconds: 'a week' }, /at advance_seconds: /],
      [{ advance_seconds: MAX_UNIX_SECONDS }, /^Invalid clock body at advance_seconds: the clock would move to \d+, outside 0\.\.253402300799\.$/],
      [{ advance_seconds: -(before + 10) }, /at advance_seconds: the clock would move to -\d+/],
      [{ advance: 60 }, /Unrecognized key: "advance"/],
      [[60], /^Invalid clock body/],
    ];
    for (const [body, message] of cases) {
      const r = await h.admin('POST', '/_demo/clock', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.match(r.body.error, message, JSON.stringify(body));
    }
    assert.ok(Math.abs((await clockNow()) - before) <= 2, 'the clock did not move');
  });

  it("every response carries a Date header from the app's clock: pages, the admin API, webhooks, errors, malformed HTTP", async () => {
    const moved = await fetch(`${h.app.url}/_demo/clock`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ advance_seconds: 691_200 }),
    });
    assert.equal(moved.status, 200);
    try {
      const expected = ((await moved.json()) as { now: number }).now;
      assert.ok(expected - wallNow() >= 691_190, 'eight days ahead of wall time');
      assert.ok(Math.abs(dateOf(moved) - expected) <= 2, 'the clock answer itself');
      const env = await h.environment();
      const { accountId } = await h.signup(env.id, email('dated'));
      const admin = { authorization: `Bearer ${h.adminToken}` };
      const json = { ...admin, 'content-type': 'application/json' };
      const requests: [string, string, RequestInit?][] = [
        ['landing page', '/'],
        ['health', '/healthz'],
        ['sign-up page', `/e/${env.id}/signup`],
        ['sign-up (303)', `/e/${env.id}/signup`, { method: 'POST', body: new URLSearchParams({ email: email('dated2') }) }],
        ['sign-up refused (400)', `/e/${env.id}/signup`, { method: 'POST', body: new URLSearchParams({ email: 'not an email' }) }],
        ['billing page', `/e/${env.id}/a/${accountId}/billing`],
        ['plan (JSON)', `/e/${env.id}/a/${accountId}/plan`],
        ['unknown page (404)', '/nowhere'],
        ['unknown environment (404)', '/e/env_000000000000000000000000/signup'],
        ['admin without a token (401)', '/api/environments'],
        ['admin list', '/api/environments', { headers: admin }],
        ['admin PATCH', `/api/environments/${env.id}`, { method: 'PATCH', headers: json, body: '{"labels":{"a":"b"}}' }],
        ['admin bad JSON (400)', '/api/environments', { method: 'POST', headers: json, body: '{' }],
        ['admin body too large (413)', '/api/environments', { method: 'POST', headers: json, body: JSON.stringify({ labels: { a: 'x'.repeat(70_000) } }) }],
        ['admin DELETE', `/api/environments/env_000000000000000000000000`, { method: 'DELETE', headers: admin }],
        ['unsigned webhook (400)', '/webhooks/stripe', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }],
        ['bad percent-encoding', '/e/%E0%A4%A/signup'],
      ];
      for (const [what, path, init] of requests) {
        const res = await fetch(`${h.app.url}${path}`, { redirect: 'manual', ...init });
        await res.arrayBuffer();
        assert.ok(Math.abs(dateOf(res) - expected) <= 5, `${what} (${res.status}): Date ${res.headers.get('date')}, the app's clock ${expected}`);
      }

      // HTTP node cannot parse is answered on the socket, dated all the same.
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(Number(new URL(h.app.url).port), '127.0.0.1', () => socket.write('NOT HTTP\r\n\r\n'));
        let text = '';
        socket.setEncoding('utf8');
        socket.on('data', (chunk) => (text += chunk));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
        socket.setTimeout(5000, () => socket.destroy(new Error('no answer to malformed HTTP within 5 s')));
      });
      assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n/);
      const date = /\r\nDate: ([^\r]+)\r\n/.exec(answer)?.[1] ?? '';
      assert.match(date, IMF_FIXDATE, answer);
      assert.ok(Math.abs(Date.parse(date) / 1000 - expected) <= 5, `malformed HTTP: Date ${date}`);
    } finally {
      await h.admin('POST', '/_demo/clock', { now: wallNow() });
    }
  });
});
