// The page at / shows each channel as a person sees it: Block Kit rendered, mentions named,
// threads folded under their parent, images inline, and nothing from a message run as HTML.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mrkdwn } from './mrkdwn.ts';
import { PNG, startTestSlack } from './testing/client.ts';

const CHANNEL = 'C0ALERTS01';
const names = { user: (id: string) => ({ U0CANARY01: 'alice' })[id] };

test('mrkdwn: bold, italic, strike, code, pre, quotes, links, mentions, groups, @here, emoji', () => {
  const cases: [string, string][] = [
    ['*bold* and _italic_ and ~gone~', '<strong>bold</strong> and <em>italic</em> and <del>gone</del>'],
    ['use `npm test` now', 'use <code>npm test</code> now'],
    ['```line 1\n*not bold* <b>```', '<pre>line 1\n*not bold* &lt;b&gt;</pre>'],
    ['> quoted\nafter', '<blockquote>quoted</blockquote>after'],
    [
      'see <https://example.com/run?id=1&amp;x=2|the run>',
      'see <a href="https://example.com/run?id=1&amp;x=2" target="_blank" rel="noopener noreferrer">the run</a>',
    ],
    ['<https://example.com>', '<a href="https://example.com/" target="_blank" rel="noopener noreferrer">https://example.com</a>'],
    ['cc <@U0CANARY01> <@U0UNKNOWN1>', 'cc <span class="mention mention-user">@alice</span> <span class="mention mention-user">@U0UNKNOWN1</span>'],
    ['<!subteam^S0ONCALL|@oncall> <!subteam^S0TEAM>', '<span class="mention mention-group">@oncall</span> <span class="mention mention-group">@S0TEAM</span>'],
    ['<!here> <!channel>', '<span class="mention mention-broadcast">@here</span> <span class="mention mention-broadcast">@channel</span>'],
    ['<#C0ALERTS01|alerts>', '<span class="mention mention-channel">#alerts</span>'],
    [':white_check_mark: passed at 10:30:45 :not_an_emoji:', '✅ passed at 10:30:45 :not_an_emoji:'],
    ['a snake_case_name and 2*3*4', 'a snake_case_name and 2*3*4'],
    ['1 &lt; 2 &amp;&amp; 3 &gt; 2', '1 &lt; 2 &amp;&amp; 3 &gt; 2'],
    ['line 1\nline 2', 'line 1<br>line 2'],
  ];
  for (const [input, html] of cases) assert.equal(mrkdwn(input, names), html, input);
});

test('mrkdwn never produces markup from the text: tags are escaped and only http(s)/mailto links are linked', () => {
  assert.equal(mrkdwn('<script>alert(1)</script>', names), '&lt;script&gt;alert(1)&lt;/script&gt;');
  assert.equal(mrkdwn('&lt;img src=x onerror=alert(1)&gt;', names), '&lt;img src=x onerror=alert(1)&gt;');
  assert.equal(mrkdwn('<javascript:alert(1)|click>', names), '&lt;javascript:alert(1)|click&gt;');
  assert.equal(
    mrkdwn('<https://example.com/"onmouseover="x|*"x"*>', names),
    '<a href="https://example.com/%22onmouseover=%22x" target="_blank" rel="noopener noreferrer">*&quot;x&quot;*</a>',
  );
  assert.equal(mrkdwn('*<b>*', names), '<strong>&lt;b&gt;</strong>');
  assert.equal(mrkdwn('\uE0000\uE001 placeholder', names), '0 placeholder');
});

test('the page renders a message with blocks, a mention and an inline image, with data attributes for each message', async (t) => {
  const s = await startTestSlack(t);
  const parent = await s.slack.chat.postMessage({
    channel: CHANNEL,
    text: 'Checkout journey failed',
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: 'Checkout journey failed' } },
      { type: 'section', text: { type: 'mrkdwn', text: '*Stage:* webhook — <@U0CANARY01> please look <!subteam^S0ONCALL|@oncall>' } },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: '*Run*\n`run_42`' },
          { type: 'plain_text', text: 'Target: demo' },
        ],
      },
      { type: 'divider' },
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'checkout-canary · <!here>' }] },
      {
        type: 'actions',
        elements: [
          { type: 'button', text: { type: 'plain_text', text: 'Open report' }, url: 'https://reports.example.com/run_42', style: 'primary' },
          { type: 'button', text: { type: 'plain_text', text: 'Acknowledge' }, action_id: 'ack' },
        ],
      },
    ],
  });
  const reply = await s.slack.chat.postMessage({ channel: CHANNEL, text: 'Retried: *still failing*', thread_ts: parent.ts! });
  await s.slack.filesUploadV2({ channel_id: CHANNEL, thread_ts: parent.ts!, file: PNG, filename: 'shot.png', title: 'Screenshot' });
  const [, , shared] = await s.messages(CHANNEL);
  const fileId = shared!.files[0]!.id;

  const res = await s.get('/');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
  assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  const html = await res.text();

  assert.match(html, /<section class="channel" id="channel-C0ALERTS01" data-channel="C0ALERTS01"/);
  assert.match(html, new RegExp(`<li class="message" data-ts="${parent.ts!.replace('.', '\\.')}" data-channel="C0ALERTS01">`));
  assert.match(html, /<h3 class="block block-header">Checkout journey failed<\/h3>/);
  assert.match(
    html,
    /<strong>Stage:<\/strong> webhook — <span class="mention mention-user">@alice<\/span> please look <span class="mention mention-group">@oncall<\/span>/,
  );
  assert.match(html, /<div class="field"><strong>Run<\/strong><br><code>run_42<\/code><\/div><div class="field">Target: demo<\/div>/);
  assert.match(html, /<hr class="block block-divider">/);
  assert.match(html, /checkout-canary · <span class="mention mention-broadcast">@here<\/span>/);
  assert.match(html, /<a class="button primary" href="https:\/\/reports\.example\.com\/run_42" target="_blank" rel="noopener noreferrer">Open report<\/a>/);
  assert.match(html, /<span class="button" data-action-id="ack">Acknowledge<\/span>/);

  // The thread is folded under its parent, the reply and the image inside it.
  const thread = /<details class="thread"><summary>2 replies<\/summary><ol class="replies">([\s\S]*?)<\/ol><\/details>/.exec(html);
  assert.ok(thread, 'the thread is folded under its parent');
  assert.match(
    thread[1]!,
    new RegExp(`data-ts="${reply.ts!.replace('.', '\\.')}" data-channel="C0ALERTS01" data-thread-ts="${parent.ts!.replace('.', '\\.')}"`),
  );
  assert.match(thread[1]!, /Retried: <strong>still failing<\/strong>/);
  assert.match(thread[1]!, new RegExp(`<img src="/files/${fileId}" alt="Screenshot" loading="lazy">`));
  assert.equal(html.match(/<li class="message/g)?.length, 3);

  const image = await s.get(`/files/${fileId}`);
  assert.equal(image.headers.get('content-type'), 'image/png');
});

test('the page escapes what messages say: no <script> from text, blocks, fields or file names gets through', async (t) => {
  const s = await startTestSlack(t);
  const evil = '<script>alert("x")</script><img src=x onerror=alert(1)>';
  await s.slack.chat.postMessage({ channel: CHANNEL, text: evil });
  await s.slack.chat.postMessage({
    channel: CHANNEL,
    text: 'blocks',
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: evil.slice(0, 150) } },
      { type: 'section', text: { type: 'plain_text', text: evil }, fields: [{ type: 'mrkdwn', text: evil }] },
      { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: '<b>x</b>' }, url: 'javascript:alert(1)' }] },
      { type: 'image', image_url: 'javascript:alert(1)', alt_text: '"><script>alert(2)</script>' },
      { type: 'section', block_id: '"><script>', text: { type: 'mrkdwn', text: 'x' } },
    ],
  });
  await s.slack.filesUploadV2({ channel_id: CHANNEL, content: 'text', filename: '<script>alert(3)</script>.txt', title: '<script>alert(4)</script>' });
  const html = await (await s.get('/')).text();
  assert.doesNotMatch(html, /<script/i);
  assert.doesNotMatch(html, /<img src=x/);
  assert.doesNotMatch(html, /javascript:/);
  assert.doesNotMatch(html, /<b>x<\/b>/);
  assert.match(html, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;/);
  // A channel with no messages shows the empty state.
  const empty = await (await s.get('/?channel=C0EMPTY001')).text();
  assert.match(empty, /No messages yet\./);
});

test('a broadcast reply shows in the channel as well as in its thread; an edited message says so', async (t) => {
  const s = await startTestSlack(t);
  const parent = await s.slack.chat.postMessage({ channel: CHANNEL, text: 'parent' });
  const broadcast = await s.slack.chat.postMessage({ channel: CHANNEL, text: 'to everyone', thread_ts: parent.ts!, reply_broadcast: true });
  await s.slack.chat.update({ channel: CHANNEL, ts: parent.ts!, text: 'parent (updated)' });
  const html = await (await s.get(`/?channel=${CHANNEL}`)).text();
  const attr = `data-ts="${broadcast.ts}"`;
  assert.equal(html.split(attr).length - 1, 2, 'the broadcast reply is shown twice: in the channel and in the thread');
  assert.match(html, /replied to a thread/);
  assert.match(html, /<div class="body">parent \(updated\)<\/div>/);
  assert.match(html, /<span class="edited">\(edited\)<\/span>/);
});
