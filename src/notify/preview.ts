/**
 * The alert where there is no Slack to send it to: `alert.json` (the message, its blocks, who
 * and why) and `alert.html`, a plain preview next to the screenshot, in the run's report folder.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Block, SlackMessage } from './message.ts';

const html = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Slack's mrkdwn (already escaped for Slack) as HTML: links, mentions, bold, italic, code. */
function mrkdwn(text: string): string {
  const unescaped = text.replace(/&lt;/g, '\uE000').replace(/&gt;/g, '\uE001').replace(/&amp;/g, '&');
  return html(unescaped)
    .replace(/&lt;(https?:[^|&]+)\|([^&]*)&gt;/g, (_m, url: string, label: string) => `<a href="${url}">${label}</a>`)
    .replace(/&lt;@([A-Z0-9]+)&gt;/g, '<b class="mention">@$1</b>')
    .replace(/&lt;!subteam\^([A-Z0-9]+)&gt;/g, '<b class="mention">@$1</b>')
    .replace(/```([\s\S]*?)```/g, '<pre>$1</pre>')
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*([^*\n]+)\*/g, '<b>$1</b>')
    .replace(/(^|\s)_([^_\n]+)_/g, '$1<i>$2</i>')
    .replace(/\n/g, '<br>')
    .replace(/\uE000/g, '&lt;')
    .replace(/\uE001/g, '&gt;');
}

function block(b: Block): string {
  const text = (b.text as { text?: string } | undefined)?.text ?? '';
  switch (b.type) {
    case 'header':
      return `<h2>${html(text)}</h2>`;
    case 'section': {
      const fields = ((b.fields as { text: string }[] | undefined) ?? []).map((f) => `<div>${mrkdwn(f.text)}</div>`).join('');
      return `<div class="section">${text ? mrkdwn(text) : ''}${fields ? `<div class="fields">${fields}</div>` : ''}</div>`;
    }
    case 'context':
      return `<div class="context">${((b.elements as { text?: string }[]) ?? []).map((e) => mrkdwn(e.text ?? '')).join(' ')}</div>`;
    case 'divider':
      return '<hr>';
    case 'actions':
      return `<div class="actions">${((b.elements as { text: { text: string }; url?: string }[]) ?? []).map((e) => `<a class="button" href="${html(e.url ?? '#')}">${html(e.text.text)}</a>`).join(' ')}</div>`;
    default:
      return '';
  }
}

export function writePreview(
  reportDir: string,
  alert: { kind: string; message: SlackMessage; channel: string | null; screenshot: string | null },
): { json: string; html: string } {
  const json = path.join(reportDir, 'alert.json');
  writeFileSync(json, `${JSON.stringify(alert, null, 2)}\n`);
  const shot = alert.screenshot
    ? `<figure><img src="${html(path.relative(reportDir, alert.screenshot))}" alt="screenshot of the last failed step"><figcaption>in the alert's thread</figcaption></figure>`
    : '';
  const page = `<!doctype html><html><head><meta charset="utf-8"><title>${html(alert.message.text)}</title><style>
body{font:15px/1.45 system-ui,sans-serif;max-width:860px;margin:2em auto;color:#1d1c1d}.msg{border-left:4px solid #e01e5a;padding:.2em 1em}
.fields{display:grid;grid-template-columns:1fr 1fr;gap:.4em 2em;margin:.5em 0}.context{color:#616061;font-size:13px;margin:.4em 0}
.button{display:inline-block;border:1px solid #ccc;border-radius:4px;padding:.2em .7em;margin:.2em;text-decoration:none}
pre{background:#f8f8f8;border:1px solid #ddd;padding:.6em;white-space:pre-wrap}.mention{background:#e8f5fa;color:#1264a3}img{max-width:100%;border:1px solid #ddd}
</style></head><body><p class="context">Preview of the ${html(alert.kind)} (no Slack configured)${alert.channel ? ` for ${html(alert.channel)}` : ''}; notification text: ${html(alert.message.text)}</p>
<div class="msg">${alert.message.blocks.map(block).join('\n')}</div>${shot}</body></html>\n`;
  const file = path.join(reportDir, 'alert.html');
  writeFileSync(file, page);
  return { json, html: file };
}
