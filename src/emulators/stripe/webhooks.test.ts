import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { WebhookDispatcher, signatureHeader } from './webhooks.ts';
import type { DispatcherOptions, WebhookTarget } from './webhooks.ts';
import { startReceiver } from './testing/receiver.ts';
import type { Received } from './testing/receiver.ts';

const stripe = new Stripe('sk_test_x');
const SECRET = 'whsec_test_secret_123';

/** Polls until predicate holds; fails with message after timeoutMs. */
async function waitFor(predicate: () => boolean, message: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for: ${message}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

function eventJson(id: string): string {
  return JSON.stringify({ id, object: 'event', type: 'checkout.session.completed', data: { object: { id: 'cs_test_1' } } }, null, 2);
}

function makeDispatcher(t: TestContext, options: Partial<DispatcherOptions> = {}) {
  const acks: Array<[string, string]> = [];
  const dispatcher = new WebhookDispatcher({
    retryDelaysMs: [5, 5, 5],
    timeoutMs: 1000,
    onAcknowledged: (e, w) => acks.push([e, w]),
    ...options,
  });
  t.after(() => dispatcher.close());
  return { dispatcher, acks };
}

function target(url: string, id = 'we_1', secret = SECRET): WebhookTarget {
  return { id, url, secret };
}

test('signatureHeader matches the SDK test header', () => {
  const payload = eventJson('evt_sig');
  const expected = stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET, timestamp: 1700000000 });
  assert.equal(signatureHeader(payload, SECRET, 1700000000), expected);
});

test('delivery is signed so the real SDK accepts it; tampered body or wrong secret is rejected', async (t) => {
  const server = await startReceiver(t);
  const { dispatcher, acks } = makeDispatcher(t);
  const payload = eventJson('evt_1');
  dispatcher.enqueue('evt_1', payload, [target(server.url)]);
  await dispatcher.idle();

  assert.equal(server.received.length, 1);
  const req = server.received[0]!;
  assert.equal(req.method, 'POST');
  assert.equal(req.headers['content-type'], 'application/json; charset=utf-8');
  assert.equal(req.headers['user-agent'], 'Stripe/1.0 (+https://stripe.com/docs/webhooks)');
  assert.equal(req.body, payload);
  const header = String(req.headers['stripe-signature']);
  assert.match(header, /^t=\d+,v1=[0-9a-f]{64}$/);
  const t0 = Number(/^t=(\d+)/.exec(header)![1]);
  assert.ok(Math.abs(t0 - Date.now() / 1000) < 5, 't is wall-clock unix seconds');

  const event = stripe.webhooks.constructEvent(req.body, header, SECRET);
  assert.equal(event.id, 'evt_1');
  assert.throws(() => stripe.webhooks.constructEvent(req.body.replace('cs_test_1', 'cs_test_2'), header, SECRET), /signature/i);
  assert.throws(() => stripe.webhooks.constructEvent(req.body, header, 'whsec_other'), /signature/i);
  assert.deepEqual(acks, [['evt_1', 'we_1']]);
});

test('2xx acknowledges exactly once and is recorded', async (t) => {
  const server = await startReceiver(t, () => 204);
  const { dispatcher, acks } = makeDispatcher(t);
  const before = Math.floor(Date.now() / 1000);
  dispatcher.enqueue('evt_ok', eventJson('evt_ok'), [target(server.url)]);
  await dispatcher.idle();
  assert.deepEqual(acks, [['evt_ok', 'we_1']]);
  const records = dispatcher.deliveries();
  assert.equal(records.length, 1);
  const r = records[0]!;
  assert.deepEqual(
    { ...r, time: 0, duration_ms: 0 },
    {
      event_id: 'evt_ok',
      endpoint_id: 'we_1',
      url: server.url,
      attempt: 1,
      status: 204,
      error: null,
      duplicate: false,
      time: 0,
      duration_ms: 0,
    },
  );
  assert.ok(r.time >= before && r.time <= Math.floor(Date.now() / 1000));
  assert.ok(r.duration_ms >= 0);
});

test('500 then 200: retried, acknowledged once, attempts recorded', async (t) => {
  const server = await startReceiver(t, (n) => (n === 0 ? 500 : 200));
  const { dispatcher, acks } = makeDispatcher(t);
  dispatcher.enqueue('evt_r', eventJson('evt_r'), [target(server.url)]);
  await dispatcher.idle();
  assert.deepEqual(acks, [['evt_r', 'we_1']]);
  assert.deepEqual(
    dispatcher.deliveries({ eventId: 'evt_r' }).map((r) => [r.attempt, r.status, r.error]),
    [
      [1, 500, null],
      [2, 200, null],
    ],
  );
});

test('each retry is signed again with a fresh timestamp the SDK accepts', async (t) => {
  const server = await startReceiver(t, (n) => (n < 2 ? 503 : 200));
  // Clock skewed forward 20 s per reading (well inside the SDK's 300 s tolerance), so retries a few
  // ms apart still land in different seconds.
  let readings = 0;
  const { dispatcher, acks } = makeDispatcher(t, { now: () => Date.now() + ++readings * 20_000 });
  const payload = eventJson('evt_t');
  dispatcher.enqueue('evt_t', payload, [target(server.url)]);
  await dispatcher.idle();
  assert.equal(server.received.length, 3);
  const headers = server.received.map((r) => String(r.headers['stripe-signature']));
  const ts = headers.map((h) => Number(/^t=(\d+)/.exec(h)![1]));
  assert.ok(ts[0]! < ts[1]! && ts[1]! < ts[2]!, `timestamps increase: ${ts.join(', ')}`);
  assert.equal(new Set(headers).size, 3);
  for (const h of headers) assert.equal(stripe.webhooks.constructEvent(payload, h, SECRET).id, 'evt_t');
  assert.deepEqual(
    dispatcher.deliveries().map((r) => r.time),
    ts,
  );
  assert.equal(acks.length, 1);
});

test('always-500 gives up after the configured attempts and never acknowledges', async (t) => {
  const server = await startReceiver(t, () => 500);
  const { dispatcher, acks } = makeDispatcher(t, { retryDelaysMs: [2, 4] });
  dispatcher.enqueue('evt_f', eventJson('evt_f'), [target(server.url)]);
  await dispatcher.idle();
  assert.equal(server.received.length, 3);
  assert.deepEqual(
    dispatcher.deliveries().map((r) => [r.attempt, r.status]),
    [
      [1, 500],
      [2, 500],
      [3, 500],
    ],
  );
  assert.deepEqual(acks, []);
});

test('3xx is a failure (redirects are not followed)', async (t) => {
  const server = await startReceiver(t, () => 302);
  const { dispatcher, acks } = makeDispatcher(t, { retryDelaysMs: [] });
  dispatcher.enqueue('evt_3', eventJson('evt_3'), [target(server.url)]);
  await dispatcher.idle();
  assert.deepEqual(
    dispatcher.deliveries().map((r) => r.status),
    [302],
  );
  assert.deepEqual(acks, []);
});

test('no answer within the timeout is recorded as timeout and retried', async (t) => {
  const server = await startReceiver(t, (n) => (n === 0 ? 'hang' : 200));
  // Generous enough that the answered retry is never taken for a timeout on a busy machine.
  const { dispatcher, acks } = makeDispatcher(t, { timeoutMs: 500 });
  dispatcher.enqueue('evt_slow', eventJson('evt_slow'), [target(server.url)]);
  await dispatcher.idle();
  const records = dispatcher.deliveries();
  assert.deepEqual(
    records.map((r) => [r.attempt, r.status, r.error]),
    [
      [1, null, 'timeout'],
      [2, 200, null],
    ],
  );
  assert.ok(records[0]!.duration_ms >= 450, `timeout took ${records[0]!.duration_ms} ms`);
  assert.equal(acks.length, 1);
});

test('connection refused is recorded as a connection error', async (t) => {
  // Grab a free port, then close it so nothing listens there.
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  const { dispatcher, acks } = makeDispatcher(t, { retryDelaysMs: [1] });
  dispatcher.enqueue('evt_cr', eventJson('evt_cr'), [target(`http://127.0.0.1:${port}/hook`)]);
  await dispatcher.idle();
  const records = dispatcher.deliveries();
  assert.equal(records.length, 2);
  for (const r of records) {
    assert.equal(r.status, null);
    assert.match(r.error ?? '', /ECONNREFUSED/);
  }
  assert.deepEqual(acks, []);
});

test('connection reset and garbage responses do not crash anything', async (t) => {
  let n = 0;
  const raw = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', () => {
      if (n++ === 0) socket.resetAndDestroy();
      else socket.end('this is not HTTP\r\n\r\n');
    });
  });
  await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
  t.after(() => raw.close());
  const url = `http://127.0.0.1:${(raw.address() as AddressInfo).port}/hook`;
  const { dispatcher, acks } = makeDispatcher(t, { retryDelaysMs: [1] });
  dispatcher.enqueue('evt_g', eventJson('evt_g'), [target(url)]);
  await dispatcher.idle();
  const records = dispatcher.deliveries();
  assert.equal(records.length, 2);
  for (const r of records) {
    assert.equal(r.status, null);
    assert.ok(r.error && r.error !== 'timeout', `connection error recorded: ${r.error}`);
  }
  assert.deepEqual(acks, []);
});

test('drop_rate 1 never reaches the endpoint and is retried; cleared faults deliver again', async (t) => {
  const server = await startReceiver(t);
  const { dispatcher, acks } = makeDispatcher(t, { retryDelaysMs: [1, 1] });
  dispatcher.setFaults({ drop_rate: 1 });
  dispatcher.enqueue('evt_d', eventJson('evt_d'), [target(server.url)]);
  await dispatcher.idle();
  assert.equal(server.received.length, 0);
  assert.deepEqual(
    dispatcher.deliveries().map((r) => [r.attempt, r.status, r.error]),
    [
      [1, null, 'dropped'],
      [2, null, 'dropped'],
      [3, null, 'dropped'],
    ],
  );
  assert.deepEqual(acks, []);

  dispatcher.clearFaults();
  assert.deepEqual(dispatcher.getFaults(), { duplicate_rate: 0, reorder: false, drop_rate: 0, fail_first: 0 });
  dispatcher.enqueue('evt_d', eventJson('evt_d'), [target(server.url)]);
  await dispatcher.idle();
  assert.equal(server.received.length, 1);
  assert.deepEqual(acks, [['evt_d', 'we_1']]);
});

test('fail_first 2: every delivery reaches the endpoint only on its third attempt, and is acknowledged then', async (t) => {
  const server = await startReceiver(t);
  const { dispatcher, acks } = makeDispatcher(t, { retryDelaysMs: [1, 1, 1] });
  dispatcher.setFaults({ fail_first: 2 });
  dispatcher.enqueue('evt_f1', eventJson('evt_f1'), [target(server.url)]);
  dispatcher.enqueue('evt_f2', eventJson('evt_f2'), [target(server.url)]);
  await dispatcher.idle();
  assert.equal(server.received.length, 2, 'one request per event reached the endpoint');
  for (const id of ['evt_f1', 'evt_f2']) {
    assert.deepEqual(
      dispatcher
        .deliveries()
        .filter((r) => r.event_id === id)
        .map((r) => [r.attempt, r.status, r.error]),
      [
        [1, null, 'failed on purpose (fail_first)'],
        [2, null, 'failed on purpose (fail_first)'],
        [3, 200, null],
      ],
    );
  }
  assert.deepEqual(acks.sort(), [
    ['evt_f1', 'we_1'],
    ['evt_f2', 'we_1'],
  ]);
  assert.throws(() => dispatcher.setFaults({ fail_first: 1.5 }), /fail_first/);
});

test('drop_rate uses the injected random per attempt', async (t) => {
  const server = await startReceiver(t);
  const rolls = [0.1, 0.9]; // first attempt dropped (0.1 < 0.5), retry goes through
  const { dispatcher, acks } = makeDispatcher(t, { random: () => rolls.shift() ?? 0.99 });
  dispatcher.setFaults({ drop_rate: 0.5 });
  dispatcher.enqueue('evt_dr', eventJson('evt_dr'), [target(server.url)]);
  await dispatcher.idle();
  assert.deepEqual(
    dispatcher.deliveries().map((r) => [r.attempt, r.status, r.error]),
    [
      [1, null, 'dropped'],
      [2, 200, null],
    ],
  );
  assert.equal(server.received.length, 1);
  assert.equal(acks.length, 1);
});

test('duplicate_rate 1 sends an identical extra copy but acknowledges once', async (t) => {
  const server = await startReceiver(t);
  const { dispatcher, acks } = makeDispatcher(t);
  dispatcher.setFaults({ duplicate_rate: 1 });
  dispatcher.enqueue('evt_dup', eventJson('evt_dup'), [target(server.url)]);
  await dispatcher.idle();
  assert.equal(server.received.length, 2);
  const [a, b] = server.received;
  assert.equal(a!.body, b!.body);
  assert.equal(a!.headers['stripe-signature'], b!.headers['stripe-signature']);
  assert.equal(stripe.webhooks.constructEvent(b!.body, String(b!.headers['stripe-signature']), SECRET).id, 'evt_dup');
  assert.deepEqual(
    dispatcher.deliveries().map((r) => [r.attempt, r.status, r.duplicate]),
    [
      [1, 200, false],
      [1, 200, true],
    ],
  );
  assert.deepEqual(acks, [['evt_dup', 'we_1']]);
});

test('duplicates of failed attempts do not change retry accounting', async (t) => {
  const server = await startReceiver(t, () => 500);
  const { dispatcher, acks } = makeDispatcher(t, { retryDelaysMs: [1] });
  dispatcher.setFaults({ duplicate_rate: 1 });
  dispatcher.enqueue('evt_dupf', eventJson('evt_dupf'), [target(server.url)]);
  await dispatcher.idle();
  assert.deepEqual(
    dispatcher
      .deliveries()
      .filter((r) => !r.duplicate)
      .map((r) => r.attempt),
    [1, 2],
  );
  assert.equal(dispatcher.deliveries().filter((r) => r.duplicate).length, 2);
  assert.equal(server.received.length, 4);
  assert.deepEqual(acks, []);
});

test('reorder shuffles events enqueued together (deterministic random); off keeps creation order', async (t) => {
  const ids = ['evt_a', 'evt_b', 'evt_c', 'evt_d', 'evt_e'];
  const bodyId = (r: Received) => (JSON.parse(r.body) as { id: string }).id;

  // Control: concurrency 1 makes arrival order equal dispatch order.
  const plain = await startReceiver(t);
  const ctl = makeDispatcher(t, { concurrency: 1 });
  for (const id of ids) ctl.dispatcher.enqueue(id, eventJson(id), [target(plain.url)]);
  await ctl.dispatcher.idle();
  assert.deepEqual(plain.received.map(bodyId), ids);

  const server = await startReceiver(t);
  const { dispatcher, acks } = makeDispatcher(t, { concurrency: 1, random: () => 0 });
  dispatcher.setFaults({ reorder: true });
  for (const id of ids) dispatcher.enqueue(id, eventJson(id), [target(server.url)]);
  await dispatcher.idle();
  const order = server.received.map(bodyId);
  assert.notDeepEqual(order, ids);
  assert.deepEqual([...order].sort(), ids);
  // Fisher–Yates with random() = 0 always swaps with index 0.
  assert.deepEqual(order, ['evt_b', 'evt_c', 'evt_d', 'evt_e', 'evt_a']);
  assert.equal(acks.length, ids.length);
});

test('reorder never leaves a batch in creation order, even if the shuffle does', async (t) => {
  const server = await startReceiver(t);
  // random() just below 1 makes Fisher–Yates swap every element with itself (identity).
  const { dispatcher } = makeDispatcher(t, { concurrency: 1, random: () => 0.999999 });
  dispatcher.setFaults({ reorder: true });
  dispatcher.enqueue('evt_1', eventJson('evt_1'), [target(server.url)]);
  dispatcher.enqueue('evt_2', eventJson('evt_2'), [target(server.url)]);
  await dispatcher.idle();
  assert.deepEqual(
    server.received.map((r) => (JSON.parse(r.body) as { id: string }).id),
    ['evt_2', 'evt_1'],
  );
});

test('multiple targets each get the event, signed with their own secret', async (t) => {
  const s1 = await startReceiver(t);
  const s2 = await startReceiver(t, (n) => (n === 0 ? 500 : 200));
  const { dispatcher, acks } = makeDispatcher(t);
  const payload = eventJson('evt_m');
  dispatcher.enqueue('evt_m', payload, [target(s1.url, 'we_a', 'whsec_a'), target(s2.url, 'we_b', 'whsec_b')]);
  await dispatcher.idle();
  assert.equal(s1.received.length, 1);
  assert.equal(s2.received.length, 2);
  assert.equal(stripe.webhooks.constructEvent(payload, String(s1.received[0]!.headers['stripe-signature']), 'whsec_a').id, 'evt_m');
  assert.equal(stripe.webhooks.constructEvent(payload, String(s2.received[1]!.headers['stripe-signature']), 'whsec_b').id, 'evt_m');
  assert.throws(() => stripe.webhooks.constructEvent(payload, String(s1.received[0]!.headers['stripe-signature']), 'whsec_b'));
  assert.deepEqual(acks.sort(), [
    ['evt_m', 'we_a'],
    ['evt_m', 'we_b'],
  ]);
  assert.equal(dispatcher.deliveries({ endpointId: 'we_b' }).length, 2);
  assert.equal(dispatcher.deliveries({ endpointId: 'we_a', eventId: 'evt_m' }).length, 1);
  assert.equal(dispatcher.deliveries({ eventId: 'evt_other' }).length, 0);
});

test('concurrency bounds simultaneous deliveries', async (t) => {
  // Requests are held open until the test answers them, so in-flight counts are observable.
  const held: Array<(status: number) => void> = [];
  let maxHeld = 0;
  const { url, received } = await startReceiver(t, () => new Promise<number>((answer) => (maxHeld = Math.max(maxHeld, held.push(answer)))));
  const { dispatcher, acks } = makeDispatcher(t, { concurrency: 2, retryDelaysMs: [] });
  for (let i = 0; i < 6; i++) dispatcher.enqueue(`evt_${i}`, eventJson(`evt_${i}`), [target(url)]);
  for (const expected of [2, 4, 6]) {
    await waitFor(() => received.length === expected, `${expected} requests received`);
    assert.equal(held.length, 2, 'no more than 2 requests in flight');
    for (const answer of held.splice(0)) answer(200);
  }
  await dispatcher.idle();
  assert.equal(maxHeld, 2);
  assert.equal(acks.length, 6);
});

test('close() cancels pending retries and in-flight requests; later enqueue is ignored', async (t) => {
  // Control dispatcher with the same schedule: once its retry has happened, the closed one's would have too.
  const control = await startReceiver(t, () => 500);
  const closedSrv = await startReceiver(t, () => 500);
  const hung = await startReceiver(t, () => 'hang');
  const ctl = makeDispatcher(t, { retryDelaysMs: [30] });
  const { dispatcher, acks } = makeDispatcher(t, { retryDelaysMs: [30], timeoutMs: 10_000 });

  dispatcher.enqueue('evt_c', eventJson('evt_c'), [target(closedSrv.url), target(hung.url, 'we_hung')]);
  await waitFor(() => closedSrv.received.length === 1 && hung.received.length === 1, 'first attempts arrive');
  await waitFor(() => dispatcher.deliveries().length === 1, 'first attempt recorded');
  const started = Date.now();
  await dispatcher.close();
  assert.ok(Date.now() - started < 1000, 'close() does not wait for the hung request');
  await dispatcher.idle(); // nothing left

  ctl.dispatcher.enqueue('evt_c', eventJson('evt_c'), [target(control.url)]);
  await ctl.dispatcher.idle();
  assert.equal(control.received.length, 2, 'control did retry');
  assert.equal(closedSrv.received.length, 1, 'closed dispatcher did not retry');
  assert.equal(dispatcher.deliveries().length, 1, 'cancelled in-flight request is not recorded');

  dispatcher.enqueue('evt_late', eventJson('evt_late'), [target(closedSrv.url)]);
  await dispatcher.idle();
  assert.equal(closedSrv.received.length, 1);
  assert.deepEqual(acks, []);
});

test('close() with deliveries still queued behind the concurrency limit resolves', { timeout: 5000 }, async (t) => {
  const server = await startReceiver(t, () => 'hang');
  const { dispatcher } = makeDispatcher(t, { concurrency: 1, timeoutMs: 10_000 });
  for (let i = 0; i < 3; i++) dispatcher.enqueue(`evt_q${i}`, eventJson(`evt_q${i}`), [target(server.url)]);
  await waitFor(() => server.received.length === 1, 'first request in flight');
  await dispatcher.close();
  assert.deepEqual(dispatcher.deliveries(), []);
  assert.equal(server.received.length, 1, 'queued deliveries were not sent after close()');
});

test('reset() cancels retries, forgets the log and acknowledgements', async (t) => {
  const server = await startReceiver(t, (n) => (n === 0 ? 500 : 200));
  const { dispatcher, acks } = makeDispatcher(t, { retryDelaysMs: [30] });
  dispatcher.enqueue('evt_x', eventJson('evt_x'), [target(server.url)]);
  await waitFor(() => dispatcher.deliveries().length === 1, 'first attempt recorded');
  dispatcher.reset();
  assert.deepEqual(dispatcher.deliveries(), []);
  await dispatcher.idle();

  // Still usable after reset; the same event can be acknowledged again.
  dispatcher.enqueue('evt_x', eventJson('evt_x'), [target(server.url)]);
  await dispatcher.idle();
  assert.equal(server.received.length, 2, 'the cancelled retry never ran; only the new delivery did');
  assert.deepEqual(acks, [['evt_x', 'we_1']]);
});

test('a re-enqueued, already acknowledged event is delivered but not acknowledged twice', async (t) => {
  const server = await startReceiver(t);
  const { dispatcher, acks } = makeDispatcher(t);
  dispatcher.enqueue('evt_twice', eventJson('evt_twice'), [target(server.url)]);
  await dispatcher.idle();
  dispatcher.enqueue('evt_twice', eventJson('evt_twice'), [target(server.url)]);
  await dispatcher.idle();
  assert.equal(server.received.length, 2);
  assert.equal(acks.length, 1);
});

test('a throwing onAcknowledged is reported as a warning and does not break delivery', async (t) => {
  const server = await startReceiver(t);
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarning);
  t.after(() => process.off('warning', onWarning));
  const { dispatcher } = makeDispatcher(t, {
    onAcknowledged: () => {
      throw new Error('boom');
    },
  });
  dispatcher.enqueue('evt_boom', eventJson('evt_boom'), [target(server.url), target(server.url, 'we_2')]);
  await dispatcher.idle();
  assert.deepEqual(
    dispatcher.deliveries().map((r) => r.status),
    [200, 200],
  );
  await waitFor(() => warnings.length === 2, 'two warnings');
  assert.match(warnings[0]!, /boom/);
});

test('the delivery log is capped', async (t) => {
  const { dispatcher } = makeDispatcher(t, { retryDelaysMs: [], maxLogRecords: 5 });
  dispatcher.setFaults({ drop_rate: 1 }); // no HTTP needed
  for (let i = 0; i < 23; i++) dispatcher.enqueue(`evt_${i}`, '{}', [target('http://127.0.0.1:9/')]);
  await dispatcher.idle();
  assert.deepEqual(
    dispatcher.deliveries().map((r) => r.event_id),
    ['evt_18', 'evt_19', 'evt_20', 'evt_21', 'evt_22'],
  );
});

test('setFaults validates ranges and names the field', (t) => {
  const { dispatcher } = makeDispatcher(t);
  dispatcher.setFaults({ drop_rate: 0.25 });
  const bad: Array<[unknown, RegExp]> = [
    [{ drop_rate: 1.5 }, /drop_rate/],
    [{ drop_rate: -0.1 }, /drop_rate/],
    [{ drop_rate: Number.NaN }, /drop_rate/],
    [{ duplicate_rate: 2 }, /duplicate_rate/],
    [{ duplicate_rate: '0.5' }, /duplicate_rate/],
    [{ reorder: 'yes' }, /reorder/],
    [{ drop_rate: 0.5, duplicate_rate: 7 }, /duplicate_rate/],
    [{ latency: 1 }, /latency/],
  ];
  for (const [faults, re] of bad) {
    assert.throws(
      () => dispatcher.setFaults(faults as never),
      (err: unknown) => err instanceof RangeError && re.test(err.message),
      JSON.stringify(faults),
    );
  }
  // Rejected calls change nothing (validation happens before anything is applied).
  assert.deepEqual(dispatcher.getFaults(), { duplicate_rate: 0, reorder: false, drop_rate: 0.25, fail_first: 0 });
  dispatcher.setFaults({ reorder: true, duplicate_rate: 0 });
  assert.deepEqual(dispatcher.getFaults(), { duplicate_rate: 0, reorder: true, drop_rate: 0.25, fail_first: 0 });
});

test('constructor rejects invalid options', () => {
  const onAcknowledged = () => {};
  assert.throws(() => new WebhookDispatcher({ onAcknowledged, concurrency: 0 }), RangeError);
  assert.throws(() => new WebhookDispatcher({ onAcknowledged, timeoutMs: -1 }), RangeError);
  assert.throws(() => new WebhookDispatcher({ onAcknowledged, retryDelaysMs: [10, -5] }), /retryDelaysMs\[1\]/);
});
