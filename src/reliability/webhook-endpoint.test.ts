/**
 * Reliability: the demo app's webhook endpoint, attacked. Forged, stale, future-dated, replayed
 * and oversized requests for a real paid account's events are refused (4xx) and leave nothing
 * behind: no acknowledgement in the admin API, no processed event in the database, the account
 * still on Free. Then the genuine deliveries, each signed afresh, make it Pro.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type Stripe from 'stripe';
import { startDemoHarness } from '../demo-app/testing/harness.ts';

const SECRET = `whsec_${randomBytes(24).toString('hex')}`;

test('forged, stale, future-dated, replayed and oversized webhook requests are refused and store nothing', async (t) => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'canary-reliability-webhooks-'));
  const dbFile = path.join(tmp, 'app.sqlite');
  const h = await startDemoHarness({ app: { webhookSecret: SECRET, database: dbFile } });
  const db = new Database(dbFile, { readonly: true });
  t.after(async () => {
    db.close();
    await h.close();
    rmSync(tmp, { recursive: true, force: true });
  });
  const processed = () => (db.prepare('SELECT count(*) AS n FROM processed_events').get() as { n: number }).n;
  const now = () => Math.floor(Date.now() / 1000);
  const sign = (payload: string, o: { secret?: string; timestamp?: number } = {}) =>
    h.stripe.webhooks.generateTestHeaderString({ payload, secret: o.secret ?? SECRET, timestamp: o.timestamp ?? now() });
  const post = async (body: string, signature: string) => {
    const res = await fetch(`${h.app.url}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': signature },
      body,
    });
    return { status: res.status, text: await res.text() };
  };

  // A real customer who paid on the hosted page; the app has heard nothing yet.
  const env = await h.environment({ canary_run_id: 'reliability-webhooks' });
  const { accountId, sessionId } = await h.subscribe(env.id, `attack-${randomBytes(4).toString('hex')}@example.com`);
  const session = await h.stripe.checkout.sessions.retrieve(sessionId);
  const events: Stripe.Event[] = [];
  for await (const e of h.stripe.events.list({ limit: 100 })) {
    const obj = e.data.object as { customer?: string | null };
    if (obj.customer === session.customer) events.push(e);
  }
  const completed = events.find((e) => e.type === 'checkout.session.completed');
  assert.ok(completed, `a checkout.session.completed event among ${events.map((e) => e.type).join(', ')}`);
  const payload = JSON.stringify(completed);
  const before = processed();

  // A request captured in flight and sent again: accepted once (it is genuine), refused the second time.
  const captured = sign(payload, { timestamp: now() - 10 });
  const attacks: [what: string, body: string, signature: string, status: number][] = [
    ['forged (signed with another secret)', payload, sign(payload, { secret: `whsec_${randomBytes(24).toString('hex')}` }), 400],
    ['forged (a changed body under a genuine signature)', payload.replace('"complete"', '"open"'), sign(payload), 400],
    ['stale (signed 10 minutes ago)', payload, sign(payload, { timestamp: now() - 600 }), 400],
    ['future-dated (signed 10 minutes ahead)', payload, sign(payload, { timestamp: now() + 600 }), 400],
    ['oversized (1 MB, genuinely signed)', `${payload.slice(0, -1)},"pad":"${'x'.repeat(1024 * 1024)}"}`, '', 413],
  ];
  for (const attack of attacks) if (attack[1].length > 1024 * 1024) attack[2] = sign(attack[1]);
  for (const [what, body, signature, status] of attacks) {
    const r = await post(body, signature);
    assert.equal(r.status, status, `${what}: ${r.text.slice(0, 200)}`);
  }
  assert.equal(processed(), before, 'no refused request stored an event');
  assert.equal((await h.admin('GET', `/api/webhooks/events/${completed.id}`)).status, 404, 'no refused request was acknowledged');
  assert.equal((await h.account(env.id, accountId)).plan, 'free');

  assert.equal((await post(payload, captured)).status, 200, 'the genuine request is accepted');
  assert.equal(processed(), before + 1);
  const ack = await h.admin('GET', `/api/webhooks/events/${completed.id}`);
  const replay = await post(payload, captured);
  assert.equal(replay.status, 400, `the same signed request again is a replay: ${replay.text}`);
  assert.match(replay.text, /replay/);
  assert.equal(processed(), before + 1, 'the replay stored nothing');
  assert.deepEqual((await h.admin('GET', `/api/webhooks/events/${completed.id}`)).body, ack.body, 'the acknowledgement is the first one');
  assert.equal((await h.account(env.id, accountId)).plan, 'pro');
});
