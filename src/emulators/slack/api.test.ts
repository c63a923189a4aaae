// The Web API through the official client: auth, chat.postMessage with threads and broadcasts,
// chat.update, users.lookupByEmail, unknown methods, and the body formats Slack accepts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSlackEmulator } from './index.ts';
import { refusal, startTestSlack, TOKEN } from './testing/client.ts';

const CHANNEL = 'C0ALERTS01';
const TS = /^\d{10}\.\d{6}$/;

test('auth: no token is not_authed, a token the workspace did not issue is invalid_auth, auth.test names the bot', async (t) => {
  const s = await startTestSlack(t);
  assert.equal((await refusal(s.client({}, '').auth.test())).error, 'not_authed');
  assert.equal((await refusal(s.client({}, 'xoxp-a-user-token').auth.test())).error, 'invalid_auth');
  assert.equal((await refusal(s.client({}, 'xoxb-').auth.test())).error, 'invalid_auth');
  assert.equal((await refusal(s.client({}, 'nonsense').chat.postMessage({ channel: CHANNEL, text: 'x' }))).error, 'invalid_auth');

  const me = await s.slack.auth.test();
  assert.equal(me.ok, true);
  assert.equal(me.url, `${s.emulator.url}/`);
  assert.equal(me.team, 'Canary');
  assert.equal(me.user, 'canary-bot');
  assert.match(me.team_id!, /^T/);
  assert.match(me.user_id!, /^U/);
  assert.match(me.bot_id!, /^B/);

  // Nothing was posted by the refused call.
  assert.deepEqual(await s.messages(CHANNEL), []);
});

test('auth: with `tokens`, only those tokens are valid; a token may also come as a form argument, but not in a JSON body', async (t) => {
  const s = await startTestSlack(t, { tokens: ['xoxb-issued-1'] });
  assert.equal((await refusal(s.client({}, TOKEN).auth.test())).error, 'invalid_auth');
  assert.equal((await s.client({}, 'xoxb-issued-1').auth.test()).ok, true);

  const form = await fetch(`${s.emulator.apiUrl}auth.test`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'token=xoxb-issued-1',
  });
  assert.equal(form.status, 200);
  assert.equal((await form.json()).ok, true);

  const json = await fetch(`${s.emulator.apiUrl}auth.test`, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ token: 'xoxb-issued-1' }),
  });
  assert.deepEqual(await json.json(), { ok: false, error: 'not_authed' });
});

test('an unknown method answers HTTP 200 {ok:false, error:"unknown_method", req_method}, token or not', async (t) => {
  const s = await startTestSlack(t);
  const data = await refusal(s.slack.apiCall('chat.postMesage', { channel: CHANNEL, text: 'typo' }));
  assert.deepEqual(data, { ok: false, error: 'unknown_method', req_method: 'chat.postMesage', response_metadata: {} });
  const raw = await fetch(`${s.emulator.apiUrl}not.a.method`);
  assert.equal(raw.status, 200);
  assert.deepEqual(await raw.json(), { ok: false, error: 'unknown_method', req_method: 'not.a.method' });
});

test('chat.postMessage: a message, a thread reply and a broadcast reply are answered as Slack does and recorded in order', async (t) => {
  const s = await startTestSlack(t);
  const parent = await s.slack.chat.postMessage({ channel: CHANNEL, text: 'Checkout journey failed', unfurl_links: false });
  assert.equal(parent.ok, true);
  assert.equal(parent.channel, CHANNEL);
  assert.match(parent.ts!, TS);
  assert.equal(parent.message?.text, 'Checkout journey failed');
  assert.equal(parent.message?.bot_id, 'B0CANARYBOT');

  const reply = await s.slack.chat.postMessage({ channel: CHANNEL, text: 'stage: webhook', thread_ts: parent.ts! });
  const broadcast = await s.slack.chat.postMessage({ channel: CHANNEL, text: 'still failing', thread_ts: parent.ts!, reply_broadcast: true });
  assert.equal(reply.message?.thread_ts, parent.ts);
  assert.equal(broadcast.message?.subtype, 'thread_broadcast');
  // A reply to a reply goes in the parent's thread, as in Slack.
  const nested = await s.slack.chat.postMessage({ channel: CHANNEL, text: 'nested', thread_ts: reply.ts! });
  assert.equal(nested.message?.thread_ts, parent.ts);

  const tss = [parent.ts!, reply.ts!, broadcast.ts!, nested.ts!];
  assert.equal(new Set(tss).size, 4, 'ts values are unique');
  assert.deepEqual(
    [...tss].sort((a, b) => Number(a) - Number(b)),
    tss,
    'ts values increase',
  );

  const records = await s.messages(CHANNEL);
  assert.deepEqual(
    records.map((m) => ({ ts: m.ts, thread_ts: m.thread_ts, text: m.text, reply_broadcast: m.reply_broadcast, files: m.files, blocks: m.blocks })),
    [
      { ts: parent.ts, thread_ts: null, text: 'Checkout journey failed', reply_broadcast: false, files: [], blocks: null },
      { ts: reply.ts, thread_ts: parent.ts, text: 'stage: webhook', reply_broadcast: false, files: [], blocks: null },
      { ts: broadcast.ts, thread_ts: parent.ts, text: 'still failing', reply_broadcast: true, files: [], blocks: null },
      { ts: nested.ts, thread_ts: parent.ts, text: 'nested', reply_broadcast: false, files: [], blocks: null },
    ],
  );
  assert.equal(records[0]!.channel, CHANNEL);
  assert.equal(records[0]!.unfurl_links, false);
  assert.equal(records[1]!.unfurl_links, null);

  // Other channels are separate; without ?channel every message is listed.
  await s.slack.chat.postMessage({ channel: 'G0PRIVATE1', text: 'private' });
  assert.equal((await s.messages('G0PRIVATE1')).length, 1);
  assert.equal((await s.messages()).length, 5);
  assert.equal((await s.control('GET', '/_emulator/messages?channel=general')).status, 400);
});

test('chat.postMessage: unknown channel, unknown thread', async (t) => {
  const s = await startTestSlack(t);
  assert.equal((await refusal(s.slack.chat.postMessage({ channel: 'D0DIRECT1', text: 'x' }))).error, 'channel_not_found');
  assert.equal((await refusal(s.slack.chat.postMessage({ channel: '#alerts', text: 'x' }))).error, 'channel_not_found');
  assert.equal((await refusal(s.slack.apiCall('chat.postMessage', { text: 'x' }))).error, 'channel_not_found');
  assert.equal((await refusal(s.slack.chat.postMessage({ channel: CHANNEL, text: 'x', thread_ts: '1700000000.000100' }))).error, 'thread_not_found');
  // A thread is per channel: a ts of another channel is not found either.
  const elsewhere = await s.slack.chat.postMessage({ channel: 'C0OTHER001', text: 'parent' });
  assert.equal((await refusal(s.slack.chat.postMessage({ channel: CHANNEL, text: 'x', thread_ts: elsewhere.ts! }))).error, 'thread_not_found');
  assert.deepEqual(await s.messages(CHANNEL), []);
});

test('chat.postMessage takes blocks as an array in a JSON body or a JSON string in a form body or query', async (t) => {
  const s = await startTestSlack(t);
  const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*Checkout* failed' } }];
  const headers = { authorization: `Bearer ${TOKEN}` };
  const json = await fetch(`${s.emulator.apiUrl}chat.postMessage`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ channel: CHANNEL, text: 'json', blocks }),
  });
  assert.equal((await json.json()).ok, true);
  const form = await fetch(`${s.emulator.apiUrl}chat.postMessage`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ channel: CHANNEL, text: 'form', blocks: JSON.stringify(blocks) }).toString(),
  });
  assert.equal((await form.json()).ok, true);
  const query = await fetch(
    `${s.emulator.apiUrl}chat.postMessage?${new URLSearchParams({ channel: CHANNEL, text: 'query', blocks: JSON.stringify(blocks) })}`,
    {
      headers,
    },
  );
  assert.equal((await query.json()).ok, true);
  const records = await s.messages(CHANNEL);
  assert.deepEqual(
    records.map((m) => [m.text, m.blocks]),
    [
      ['json', blocks],
      ['form', blocks],
      ['query', blocks],
    ],
  );

  const broken = await fetch(`${s.emulator.apiUrl}chat.postMessage`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: '{"channel": ',
  });
  assert.deepEqual(await broken.json(), { ok: false, error: 'invalid_json' });
});

test('chat.update changes text and blocks, keeps blocks left out, and refuses an unknown message', async (t) => {
  const s = await startTestSlack(t);
  const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: 'Run *failed*' } }];
  const posted = await s.slack.chat.postMessage({ channel: CHANNEL, text: 'Run failed', blocks });
  const updated = await s.slack.chat.update({ channel: CHANNEL, ts: posted.ts!, text: 'Run recovered' });
  assert.equal(updated.ok, true);
  assert.equal(updated.channel, CHANNEL);
  assert.equal(updated.ts, posted.ts);
  assert.equal(updated.text, 'Run recovered');

  let [record] = await s.messages(CHANNEL);
  assert.equal(record!.text, 'Run recovered');
  assert.deepEqual(record!.blocks, blocks);
  assert.match(record!.edited_ts!, TS);

  const newBlocks = [{ type: 'header', text: { type: 'plain_text', text: 'Recovered' } }];
  await s.slack.chat.update({ channel: CHANNEL, ts: posted.ts!, blocks: newBlocks, text: 'Recovered' });
  [record] = await s.messages(CHANNEL);
  assert.deepEqual(record!.blocks, newBlocks);

  assert.equal((await refusal(s.slack.chat.update({ channel: CHANNEL, ts: '1700000000.000001', text: 'x' }))).error, 'message_not_found');
  assert.equal((await refusal(s.slack.chat.update({ channel: 'C0OTHER001', ts: posted.ts!, text: 'x' }))).error, 'message_not_found');
  assert.equal((await refusal(s.slack.chat.update({ channel: 'nope', ts: posted.ts!, text: 'x' }))).error, 'channel_not_found');
  assert.equal((await refusal(s.slack.apiCall('chat.update', { channel: CHANNEL, ts: posted.ts! }))).error, 'no_text');
  assert.equal((await s.messages(CHANNEL)).length, 1);
});

test('users.lookupByEmail finds a user by email (any case) and answers users_not_found otherwise', async (t) => {
  const s = await startTestSlack(t);
  const found = await s.slack.users.lookupByEmail({ email: 'Alice@Example.com' });
  assert.equal(found.user?.id, 'U0CANARY01');
  assert.equal(found.user?.name, 'alice');
  assert.equal(found.user?.real_name, 'Alice Oncall');
  assert.deepEqual(
    { email: found.user?.profile?.email, real_name: found.user?.profile?.real_name, display_name: found.user?.profile?.display_name },
    { email: 'alice@example.com', real_name: 'Alice Oncall', display_name: 'alice' },
  );
  assert.equal((await refusal(s.slack.users.lookupByEmail({ email: 'nobody@example.com' }))).error, 'users_not_found');
  const missing = await refusal(s.slack.apiCall('users.lookupByEmail', {}));
  assert.equal(missing.error, 'invalid_arguments');
  assert.deepEqual((missing.response_metadata as { messages: string[] }).messages, ['[ERROR] missing required field: email']);
});

test('users given as options replace the example users', async (t) => {
  const s = await startTestSlack(t, { users: [{ id: 'U0ONCALL99', name: 'oncall', email: 'oncall@acme.test' }] });
  const found = await s.slack.users.lookupByEmail({ email: 'oncall@acme.test' });
  assert.equal(found.user?.id, 'U0ONCALL99');
  assert.equal(found.user?.real_name, 'oncall');
  assert.equal((await refusal(s.slack.users.lookupByEmail({ email: 'alice@example.com' }))).error, 'users_not_found');
});

test('startSlackEmulator rejects options it cannot use, naming the option and the value', async () => {
  await assert.rejects(
    startSlackEmulator({ port: 0, users: [{ id: 'alice', name: 'alice', email: 'a@example.com' }] }),
    /users\[0\]\.id must be a Slack user id.*\(got "alice"\)/,
  );
  await assert.rejects(
    startSlackEmulator({ port: 0, users: [{ id: 'U0A1', name: 'a', email: 'not-an-email' }] }),
    /users\[0\]\.email must be an email address \(got "not-an-email"\)/,
  );
  await assert.rejects(
    startSlackEmulator({
      port: 0,
      users: [
        { id: 'U0A1', name: 'a', email: 'a@example.com' },
        { id: 'U0A2', name: 'b', email: 'A@example.com' },
      ],
    }),
    /users\[1\]\.email is a duplicate/,
  );
  await assert.rejects(startSlackEmulator({ port: 70000 }), /startSlackEmulator: port/);
  await assert.rejects(startSlackEmulator({ port: 0, token: 'x' } as never), /startSlackEmulator: token is not an option/);
});

test('membership: the bot is in every channel until the control API takes it out; then posting there is not_in_channel, and conversations.info says so', async (t) => {
  const s = await startTestSlack(t);
  const info = await s.slack.conversations.info({ channel: CHANNEL });
  assert.deepEqual([info.channel?.id, info.channel?.is_member, info.channel?.is_private], [CHANNEL, true, false]);
  assert.equal((await s.slack.conversations.info({ channel: 'G0PRIVATE1' })).channel?.is_private, true);
  assert.equal((await refusal(s.slack.conversations.info({ channel: 'general' }))).error, 'channel_not_found');

  const out = await s.control('POST', `/_emulator/channels/${CHANNEL}`, { member: false });
  assert.deepEqual([out.status, out.body], [200, { id: CHANNEL, member: false }]);
  assert.equal((await s.slack.conversations.info({ channel: CHANNEL })).channel?.is_member, false);
  assert.equal((await refusal(s.slack.chat.postMessage({ channel: CHANNEL, text: 'x' }))).error, 'not_in_channel');
  assert.deepEqual(await s.messages(CHANNEL), [], 'nothing was posted');
  // Other channels are untouched.
  assert.equal((await s.slack.chat.postMessage({ channel: 'C0OTHER001', text: 'fine' })).ok, true);

  assert.equal((await s.control('POST', `/_emulator/channels/${CHANNEL}`, { member: 'no' })).status, 400);
  assert.equal((await s.control('POST', '/_emulator/channels/general', { member: true })).status, 400);
  await s.control('POST', `/_emulator/channels/${CHANNEL}`, { member: true });
  assert.equal((await s.slack.chat.postMessage({ channel: CHANNEL, text: 'back' })).ok, true);
});
