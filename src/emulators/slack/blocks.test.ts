// chat.postMessage validates text and Block Kit as Slack does: no_text, msg_too_long,
// invalid_blocks_format, and invalid_blocks with Slack's `errors` lines for each broken limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { refusal, startTestSlack } from './testing/client.ts';

const CHANNEL = 'C0ALERTS01';
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });
const plain = (text: string) => ({ type: 'plain_text', text });
const section = (text: string) => ({ type: 'section', text: mrkdwn(text) });
const button = (text: string, url = 'https://example.com/run/1') => ({ type: 'button', text: plain(text), url });

test('no text and no blocks is no_text; text over 40,000 characters is msg_too_long; 40,000 is fine', async (t) => {
  const s = await startTestSlack(t);
  assert.equal((await refusal(s.slack.apiCall('chat.postMessage', { channel: CHANNEL }))).error, 'no_text');
  assert.equal((await refusal(s.slack.apiCall('chat.postMessage', { channel: CHANNEL, text: '', blocks: [] }))).error, 'no_text');
  assert.equal((await refusal(s.slack.chat.postMessage({ channel: CHANNEL, text: 'x'.repeat(40_001) }))).error, 'msg_too_long');
  assert.equal((await s.slack.chat.postMessage({ channel: CHANNEL, text: 'x'.repeat(40_000) })).ok, true);
  assert.equal((await s.messages(CHANNEL)).length, 1);
});

test('blocks without text are posted, with the warning Slack gives', async (t) => {
  const s = await startTestSlack(t);
  const res = await s.slack.chat.postMessage({ channel: CHANNEL, blocks: [section('only blocks')] } as never);
  assert.equal(res.ok, true);
  assert.deepEqual(res.response_metadata?.warnings, ['missing_text_or_fallback_or_attachments']);
});

test('blocks that are not a JSON array are invalid_blocks_format', async (t) => {
  const s = await startTestSlack(t);
  for (const blocks of ['[{"type":', '{"type": "divider"}', '"divider"']) {
    assert.equal((await refusal(s.slack.apiCall('chat.postMessage', { channel: CHANNEL, text: 'x', blocks }))).error, 'invalid_blocks_format', blocks);
  }
});

test('each Block Kit limit is refused as invalid_blocks naming the value with a JSON pointer; the limit itself is accepted', async (t) => {
  const s = await startTestSlack(t);
  const cases: { name: string; ok: unknown[]; bad: unknown[]; error: string }[] = [
    {
      name: 'more than 50 blocks',
      ok: Array.from({ length: 50 }, () => ({ type: 'divider' })),
      bad: Array.from({ length: 51 }, () => ({ type: 'divider' })),
      error: 'no more than 50 items allowed [json-pointer:/blocks]',
    },
    {
      name: 'section text',
      ok: [section('a'.repeat(3000))],
      bad: [section('a'.repeat(3001))],
      error: 'must be less than 3001 characters [json-pointer:/blocks/0/text/text]',
    },
    {
      name: 'header text',
      ok: [{ type: 'header', text: plain('h'.repeat(150)) }],
      bad: [{ type: 'header', text: plain('h'.repeat(151)) }],
      error: 'must be less than 151 characters [json-pointer:/blocks/0/text/text]',
    },
    {
      name: 'header in mrkdwn',
      ok: [{ type: 'header', text: plain('Run failed') }],
      bad: [{ type: 'header', text: mrkdwn('*Run failed*') }],
      error: 'failed to match all allowed schemas [json-pointer:/blocks/0/text]',
    },
    {
      name: 'section fields count',
      ok: [{ type: 'section', fields: Array.from({ length: 10 }, (_, i) => mrkdwn(`f${i}`)) }],
      bad: [{ type: 'section', fields: Array.from({ length: 11 }, (_, i) => mrkdwn(`f${i}`)) }],
      error: 'no more than 10 items allowed [json-pointer:/blocks/0/fields]',
    },
    {
      name: 'section field text',
      ok: [{ type: 'section', fields: [mrkdwn('ok'), mrkdwn('f'.repeat(2000))] }],
      bad: [{ type: 'section', fields: [mrkdwn('ok'), mrkdwn('f'.repeat(2001))] }],
      error: 'must be less than 2001 characters [json-pointer:/blocks/0/fields/1/text]',
    },
    {
      name: 'context elements',
      ok: [{ type: 'context', elements: Array.from({ length: 10 }, () => mrkdwn('c')) }],
      bad: [{ type: 'context', elements: Array.from({ length: 11 }, () => mrkdwn('c')) }],
      error: 'no more than 10 items allowed [json-pointer:/blocks/0/elements]',
    },
    {
      name: 'button text',
      ok: [{ type: 'actions', elements: [button('b'.repeat(75))] }],
      bad: [{ type: 'actions', elements: [button('b'.repeat(76))] }],
      error: 'must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]',
    },
    {
      name: 'button url',
      ok: [{ type: 'actions', elements: [button('Open', `https://example.com/${'u'.repeat(2980)}`)] }],
      bad: [{ type: 'actions', elements: [button('Open', `https://example.com/${'u'.repeat(2981)}`)] }],
      error: 'must be less than 3001 characters [json-pointer:/blocks/0/elements/0/url]',
    },
    {
      name: 'section accessory button',
      ok: [{ ...section('x'), accessory: button('Open') }],
      bad: [{ ...section('x'), accessory: button('b'.repeat(76)) }],
      error: 'must be less than 76 characters [json-pointer:/blocks/0/accessory/text/text]',
    },
    { name: 'unknown block type', ok: [{ type: 'divider' }], bad: [{ type: 'sections' }], error: 'unsupported type: sections [json-pointer:/blocks/0/type]' },
    {
      name: 'section with neither text nor fields',
      ok: [section('x')],
      bad: [{ type: 'section' }],
      error: 'must define either `text` or `fields` [json-pointer:/blocks/0/type]',
    },
    { name: 'empty section text', ok: [section('x')], bad: [section('')], error: 'must be more than 0 characters [json-pointer:/blocks/0/text/text]' },
  ];
  for (const c of cases) {
    const ok = await s.slack.chat.postMessage({ channel: CHANNEL, text: c.name, blocks: c.ok as never });
    assert.equal(ok.ok, true, `${c.name}: the limit itself is accepted`);
    const data = await refusal(s.slack.chat.postMessage({ channel: CHANNEL, text: c.name, blocks: c.bad as never }));
    assert.equal(data.error, 'invalid_blocks', c.name);
    assert.deepEqual(data.errors, [c.error], c.name);
    assert.deepEqual((data.response_metadata as { messages: string[] }).messages, [`[ERROR] ${c.error}`], c.name);
  }
  assert.equal((await s.messages(CHANNEL)).length, cases.length, 'refused messages are not recorded');
});

test('every problem in the blocks is reported, as Slack does', async (t) => {
  const s = await startTestSlack(t);
  const data = await refusal(
    s.slack.chat.postMessage({
      channel: CHANNEL,
      text: 'x',
      blocks: [section('ok'), { type: 'header', text: plain('h'.repeat(200)) }, { type: 'carousel' }, section('s'.repeat(3001))] as never,
    }),
  );
  assert.deepEqual(data.errors, [
    'must be less than 151 characters [json-pointer:/blocks/1/text/text]',
    'unsupported type: carousel [json-pointer:/blocks/2/type]',
    'must be less than 3001 characters [json-pointer:/blocks/3/text/text]',
  ]);
});

test('chat.update validates like chat.postMessage and leaves the message as it was when refused', async (t) => {
  const s = await startTestSlack(t);
  const posted = await s.slack.chat.postMessage({ channel: CHANNEL, text: 'before' });
  const data = await refusal(s.slack.chat.update({ channel: CHANNEL, ts: posted.ts!, text: 'after', blocks: [section('s'.repeat(3001))] as never }));
  assert.equal(data.error, 'invalid_blocks');
  assert.equal((await refusal(s.slack.chat.update({ channel: CHANNEL, ts: posted.ts!, text: 'y'.repeat(40_001) }))).error, 'msg_too_long');
  const [record] = await s.messages(CHANNEL);
  assert.equal(record!.text, 'before');
  assert.equal(record!.edited_ts, null);
});
