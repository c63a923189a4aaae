/**
 * Reliability: the Stripe emulator as users run it, `canary stripe-emulator --data-file F`, killed
 * with SIGKILL (no clean stop) and started again on the same file, keeps its state: a customer
 * (with its idempotency key), a product and its price, a checkout session paid on the hosted page
 * (with the subscription and invoice the payment made), a webhook endpoint whose signing secret
 * still signs, a deleted customer's stub, the events, and its moved clock — the last change made
 * just before the kill included. No acknowledged write is lost: with 40 creates in flight the
 * process is killed as soon as 20 are answered, and every answered one is there after the
 * restart (the store writes each change to the file, atomically, before it answers).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Stripe from 'stripe';
import { GOOD_CARD } from '../demo-app/testing/harness.ts';
import { waitFor } from '../runner/testing/canary-cli.ts';
import { assertNoLeaks } from './testing/secrets.ts';

const BIN = path.resolve(import.meta.dirname, '../../bin/canary.js');
const KEY = `sk_test_emukill${Math.random().toString(36).slice(2, 12)}`;
/** The bound on one emulator process. */
const BOUND_MS = 120_000;

interface EmulatorProcess {
  url: string;
  port: number;
  child: ChildProcess;
  output: () => string;
  stripe: Stripe;
  /** SIGKILL to its process group: no clean stop, nothing flushed on the way out. */
  kill(): Promise<void>;
}

function killGroup(child: ChildProcess): void {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

test('the emulator killed with SIGKILL and started again on its --data-file keeps every answered change, its secrets and its clock', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'canary-reliability-emulator-'));
  const dataFile = path.join(dir, 'stripe.json');
  const started: EmulatorProcess[] = [];
  // Where the webhook endpoint points: every delivery, with its signature.
  const deliveries: { body: string; headers: IncomingHttpHeaders }[] = [];
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      deliveries.push({ body, headers: req.headers });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const e of started) killGroup(e.child);
    receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** `canary stripe-emulator` in its own process group, bounded; resolves once it prints its address. */
  async function startEmulator(port = 0): Promise<EmulatorProcess> {
    const child = spawn(process.execPath, [BIN, 'stripe-emulator', '--port', String(port), '--data-file', dataFile, '--webhook-retry-delays', '100,200'], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const bound = setTimeout(() => killGroup(child), BOUND_MS);
    void exited.then(() => clearTimeout(bound));
    const url = await waitFor(
      `canary stripe-emulator listening (output so far: ${output || 'none'})`,
      () => {
        if (child.exitCode !== null) throw new Error(`it exited ${child.exitCode}: ${output}`);
        return /^Stripe emulator listening on (http:\/\/\S+)$/m.exec(output)?.[1];
      },
      30_000,
    );
    const u = new URL(url);
    const e: EmulatorProcess = {
      url,
      port: Number(u.port),
      child,
      output: () => output,
      stripe: new Stripe(KEY, { host: u.hostname, port: Number(u.port), protocol: 'http', maxNetworkRetries: 0, telemetry: false }),
      kill: async () => {
        killGroup(child);
        await exited;
      },
    };
    started.push(e);
    return e;
  }
  const clockOf = async (e: EmulatorProcess) => ((await (await fetch(`${e.url}/_emulator/clock`)).json()) as { now: number }).now;

  // --- The first process: state of every kind.
  const first = await startEmulator();
  const s1 = first.stripe;
  const moved = await fetch(`${first.url}/_emulator/clock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ advance_seconds: 3 * 86_400 }),
  });
  assert.equal(moved.status, 200);
  const movedTo = ((await moved.json()) as { now: number }).now;
  const customer = await s1.customers.create({ email: 'kept@example.com', metadata: { canary_run_id: 'kept' } }, { idempotencyKey: 'kill-cus' });
  const doomed = await s1.customers.create({ email: 'doomed@example.com' });
  await s1.customers.del(doomed.id);
  const product = await s1.products.create({ name: 'Pro' });
  const price = await s1.prices.create({ product: product.id, unit_amount: 4900, currency: 'usd', recurring: { interval: 'month' }, lookup_key: 'kill_pro' });
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  const endpoint = await s1.webhookEndpoints.create({ url: receiverUrl, enabled_events: ['customer.updated'] });
  assert.ok(endpoint.secret?.startsWith('whsec_'));
  const session = await s1.checkout.sessions.create({
    mode: 'subscription',
    customer: customer.id,
    line_items: [{ price: price.id, quantity: 1 }],
    success_url: 'http://127.0.0.1:9/ok',
    cancel_url: 'http://127.0.0.1:9/cancel',
  });
  const paid = await fetch(`${first.url}/c/pay/${session.id}/confirm`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...GOOD_CARD, email: 'kept@example.com' }),
  });
  assert.equal(paid.status, 200, await paid.clone().text());
  const before = {
    session: await s1.checkout.sessions.retrieve(session.id),
    subscriptions: (await s1.subscriptions.list({ customer: customer.id })).data,
    invoices: (await s1.invoices.list({ customer: customer.id })).data,
    events: (await s1.events.list({ limit: 100 })).data.map((e) => e.id),
    price: await s1.prices.retrieve(price.id),
  };
  assert.equal(before.subscriptions.length, 1);
  // The last change, answered, then SIGKILL at once: nothing else runs in between.
  const last = await s1.customers.update(customer.id, { metadata: { last: 'written just before the kill' } });
  await first.kill();

  // --- The second process, same file and port (the session's hosted page URL names it).
  const second = await startEmulator(first.port);
  const s2 = second.stripe;
  assert.ok((await clockOf(second)) >= movedTo, 'the moved clock is kept');
  assert.deepEqual(await s2.customers.retrieve(customer.id), last, 'the change answered just before the kill is there');
  assert.deepEqual(await s2.customers.retrieve(doomed.id), { id: doomed.id, object: 'customer', deleted: true });
  const replay = await s2.customers.create({ email: 'kept@example.com', metadata: { canary_run_id: 'kept' } }, { idempotencyKey: 'kill-cus' });
  assert.equal(replay.id, customer.id, 'the idempotency key still answers the first create');
  assert.deepEqual(await s2.checkout.sessions.retrieve(session.id), before.session);
  assert.equal(before.session.status, 'complete');
  assert.deepEqual((await s2.subscriptions.list({ customer: customer.id })).data, before.subscriptions);
  assert.deepEqual((await s2.invoices.list({ customer: customer.id })).data, before.invoices);
  assert.deepEqual(await s2.prices.retrieve(price.id), before.price);
  assert.deepEqual(
    (await s2.prices.list({ lookup_keys: ['kill_pro'] })).data.map((p) => p.id),
    [price.id],
  );
  const events = (await s2.events.list({ limit: 100 })).data.map((e) => e.id);
  assert.deepEqual(events.slice(-before.events.length), before.events, 'every event is kept, in order');
  const endpoints = (await s2.webhookEndpoints.list()).data;
  assert.deepEqual(
    endpoints.map((e) => [e.id, e.url]),
    [[endpoint.id, receiverUrl]],
  );
  // The endpoint's secret survived: a delivery after the restart verifies with the secret given at creation.
  const changed = await s2.customers.update(customer.id, { name: 'After the restart' });
  const delivery = await waitFor('the customer.updated delivery after the restart', () =>
    deliveries.find((d) => d.body.includes('After the restart') && d.body.includes(changed.id)),
  );
  const event = s2.webhooks.constructEvent(delivery.body, String(delivery.headers['stripe-signature']), endpoint.secret!);
  assert.equal(event.type, 'customer.updated');

  // --- Writes in flight: kill the process as soon as half of them are answered.
  const answered: string[] = [];
  const total = 40;
  const burst = Array.from({ length: total }, (_, i) =>
    s2.customers.create({ email: `burst-${i}@example.com`, metadata: { burst: String(i) } }).then(
      (c) => {
        answered.push(c.id);
        if (answered.length === total / 2) killGroup(second.child);
      },
      () => undefined,
    ),
  );
  await Promise.all(burst);
  await second.kill();
  assert.ok(answered.length >= total / 2, `${answered.length} creates answered before the kill`);

  const third = await startEmulator(first.port);
  const kept = new Set<string>();
  for await (const c of third.stripe.customers.list({ limit: 100 })) kept.add(c.id);
  const burstKept = [...kept].length - 1; // the customer kept from before
  t.diagnostic(`${answered.length} of ${total} creates were answered before the SIGKILL; ${burstKept} customers of the burst are in the file`);
  assert.deepEqual(
    answered.filter((id) => !kept.has(id)),
    [],
    'every answered create survived the SIGKILL',
  );
  const leftovers = readdirSync(dir).filter((f) => f.endsWith('.tmp'));
  t.diagnostic(`temporary files left by writes the kills cut short: ${leftovers.length ? leftovers.join(', ') : 'none'}`);
  assert.ok(existsSync(dataFile));
  await third.kill();

  await assertNoLeaks({
    secrets: { stripeKey: KEY, webhookSecrets: [endpoint.secret!] },
    outputs: started.map((e, i) => ({ name: `emulator process ${i + 1}`, text: e.output() })),
  });
});
