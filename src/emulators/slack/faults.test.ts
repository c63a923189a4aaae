// Injected faults: Web API calls answer 5xx or 429 (with Retry-After) as set through
// /_emulator/faults; the control routes, the page and the files keep working.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebClientEvent } from '@slack/web-api';
import { startTestSlack, TOKEN } from './testing/client.ts';

const CHANNEL = 'C0ALERTS01';

test('a 500 fault fails Web API calls with that status, and DELETE clears it', async (t) => {
  const s = await startTestSlack(t);
  const set = await s.control('POST', '/_emulator/faults', { status: 500, rate: 1 });
  assert.equal(set.status, 200);
  assert.deepEqual(set.body, { fault: { status: 500, rate: 1, remaining: null } });

  await assert.rejects(s.slack.chat.postMessage({ channel: CHANNEL, text: 'x' }), (err: Error & { code?: string; statusCode?: number }) => {
    assert.equal(err.code, 'slack_webapi_http_error');
    assert.equal(err.statusCode, 500);
    return true;
  });
  const raw = await fetch(`${s.emulator.apiUrl}auth.test`, { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(raw.status, 500);
  assert.deepEqual(await raw.json(), { ok: false, error: 'fatal_error' });

  // The control API, the page and health are not Web API calls: they keep answering.
  assert.deepEqual((await s.control('GET', '/_emulator/health')).body, { ok: true });
  assert.equal((await s.get('/')).status, 200);
  assert.deepEqual(await s.messages(CHANNEL), []);

  assert.deepEqual((await s.control('DELETE', '/_emulator/faults')).body, { fault: null });
  assert.deepEqual((await s.control('GET', '/_emulator/faults')).body, { fault: null });
  assert.equal((await s.slack.chat.postMessage({ channel: CHANNEL, text: 'after' })).ok, true);
});

test('a 429 fault answers Retry-After; the client sees the rate limit and its retry_after', async (t) => {
  const s = await startTestSlack(t);
  await s.control('POST', '/_emulator/faults', { status: 429, retry_after: 2, rate: 1 });

  const raw = await fetch(`${s.emulator.apiUrl}chat.postMessage`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(raw.status, 429);
  assert.equal(raw.headers.get('retry-after'), '2');
  assert.deepEqual(await raw.json(), { ok: false, error: 'ratelimited' });

  const limited: number[] = [];
  const client = s.client({ rejectRateLimitedCalls: true });
  client.on(WebClientEvent.RATE_LIMITED, (retryAfter: number) => limited.push(retryAfter));
  await assert.rejects(client.chat.postMessage({ channel: CHANNEL, text: 'x' }), (err: Error & { code?: string; retryAfter?: number }) => {
    assert.equal(err.code, 'slack_webapi_rate_limited_error');
    assert.equal(err.retryAfter, 2);
    return true;
  });
  assert.deepEqual(limited, [2]);
  assert.deepEqual(await s.messages(CHANNEL), []);
});

test('a 429 fault with count 1: a client allowed one retry waits Retry-After and succeeds; the message is posted once', async (t) => {
  const s = await startTestSlack(t);
  await s.control('POST', '/_emulator/faults', { status: 429, retry_after: 1, rate: 1, count: 1 });
  const client = s.client({ retryConfig: { retries: 1, minTimeout: 0, maxTimeout: 0 } });
  const limited: number[] = [];
  client.on(WebClientEvent.RATE_LIMITED, (retryAfter: number) => limited.push(retryAfter));

  const started = Date.now();
  const res = await client.chat.postMessage({ channel: CHANNEL, text: 'made it' });
  assert.equal(res.ok, true);
  assert.deepEqual(limited, [1]);
  assert.ok(Date.now() - started >= 900, 'the client waited for Retry-After');
  assert.deepEqual(
    (await s.messages(CHANNEL)).map((m) => m.text),
    ['made it'],
  );
  assert.deepEqual((await s.control('GET', '/_emulator/faults')).body, { fault: { status: 429, rate: 1, retry_after: 1, count: 1, remaining: 0 } });
});

test('a fault limited to some methods leaves the others working; 503 is service_unavailable', async (t) => {
  const s = await startTestSlack(t);
  await s.control('POST', '/_emulator/faults', { status: 503, methods: ['chat.postMessage'] });
  assert.equal((await s.slack.auth.test()).ok, true);
  await assert.rejects(s.slack.chat.postMessage({ channel: CHANNEL, text: 'x' }), { code: 'slack_webapi_http_error', statusCode: 503 });
  const raw = await fetch(`${s.emulator.apiUrl}chat.postMessage`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
  assert.deepEqual(await raw.json(), { ok: false, error: 'service_unavailable' });
});

test('a fault body that cannot be used is refused with 400 naming the field; reset clears faults and messages', async (t) => {
  const s = await startTestSlack(t);
  const cases: [unknown, RegExp][] = [
    [{ status: 200 }, /at status: /],
    [{ status: 500, rate: 2 }, /at rate: /],
    [{ status: 500, retry_after: 3 }, /at retry_after: retry_after goes with status 429 only/],
    [{ status: 429, count: 0 }, /at count: /],
    [{ status: 500, methods: ['post message'] }, /at methods\[0\]: must be a Web API method name/],
    [{ status: 500, colour: 'red' }, /at colour: /],
  ];
  for (const [body, message] of cases) {
    const res = await s.control('POST', '/_emulator/faults', body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.body.error, 'invalid_fault');
    assert.match(res.body.message, message);
  }
  assert.deepEqual((await s.control('GET', '/_emulator/faults')).body, { fault: null });

  await s.slack.chat.postMessage({ channel: CHANNEL, text: 'x' });
  await s.control('POST', '/_emulator/faults', { status: 500 });
  assert.deepEqual((await s.control('POST', '/_emulator/reset')).body, { ok: true });
  assert.deepEqual((await s.control('GET', '/_emulator/faults')).body, { fault: null });
  assert.deepEqual(await s.messages(), []);
});
