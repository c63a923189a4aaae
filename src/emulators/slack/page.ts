/**
 * `GET /`: each channel as a person sees it in Slack. Messages in the order they were posted,
 * Block Kit rendered, thread replies folded under their parent (a broadcast reply shows in the
 * channel too), uploaded images inline. Every message is an element with `data-ts`,
 * `data-channel` and, for replies, `data-thread-ts`, so a browser test can find it.
 * `GET /?channel=C…` shows one channel.
 */
import type { FastifyInstance } from 'fastify';
import type { Block } from './blocks.ts';
import { IDENTITY } from './methods.ts';
import { emoji, escapeHtml as esc, link, mention, mrkdwn, type Names, plainText, safeUrl } from './mrkdwn.ts';
import type { StoredFile, StoredMessage, Workspace } from './store.ts';
import type { SlackUser } from './users.ts';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const STYLE = `
body{font:15px/1.46 -apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0;color:#1d1c1d;background:#f8f8f8}
header{background:#3f0e40;color:#fff;padding:12px 24px}header h1{font-size:18px;margin:0}header p{margin:4px 0 0;opacity:.85}
header a{color:#fff}main{max-width:860px;margin:0 auto;padding:16px 24px}
.channel{background:#fff;border:1px solid #ddd;border-radius:8px;margin:16px 0;padding:8px 16px}
.channel h2{font-size:17px;margin:8px 0;border-bottom:1px solid #eee;padding-bottom:8px}
ol.messages,ol.replies{list-style:none;margin:0;padding:0}
.message{padding:8px 0;border-top:1px solid #f2f2f2}.message:first-child{border-top:0}
.meta{font-size:13px;color:#616061}.author{color:#1d1c1d;font-size:15px}.app{font-size:10px;background:#e8e8e8;border-radius:3px;padding:0 4px;margin:0 4px}
.edited,.broadcast-note{font-size:12px;color:#868686}
.thread{margin:6px 0 0 16px}.thread summary{cursor:pointer;color:#1264a3;font-size:13px;font-weight:bold}
ol.replies{border-left:3px solid #ddd;padding-left:12px;margin-top:4px}
.mention{background:#e8f5fa;color:#1264a3;border-radius:3px;padding:0 2px}
code{background:#f6f6f6;border:1px solid #ddd;border-radius:3px;padding:0 3px;color:#c01343;font-size:13px}
pre{background:#f8f8f8;border:1px solid #ddd;border-radius:4px;padding:8px;white-space:pre-wrap;font-size:13px}
blockquote{border-left:4px solid #ddd;margin:2px 0;padding-left:10px}
.block-header{font-size:18px;margin:6px 0}.block{margin:4px 0}
.fields{display:grid;grid-template-columns:1fr 1fr;gap:4px 16px;margin-top:4px}
.block-section{display:flex;gap:12px;justify-content:space-between}.section-body{flex:1;min-width:0}.block-context{font-size:12px;color:#616061;display:flex;gap:6px;align-items:center;flex-wrap:wrap}
.block-context img{width:16px;height:16px}.block-divider{border:0;border-top:1px solid #ddd}
.block-actions{display:flex;gap:8px;flex-wrap:wrap}
.button{display:inline-block;border:1px solid #bbb;border-radius:4px;padding:3px 12px;font-weight:bold;font-size:13px;color:#1d1c1d;text-decoration:none;background:#fff}
.button.primary{background:#007a5a;border-color:#007a5a;color:#fff}.button.danger{background:#e01e5a;border-color:#e01e5a;color:#fff}
.block-image img,.file img{max-width:360px;max-height:360px;border:1px solid #ddd;border-radius:4px}figure{margin:4px 0}figcaption{font-size:12px;color:#616061}
.accessory img{max-width:88px;max-height:88px;border-radius:4px}.placeholder{color:#868686;font-style:italic}
.empty{color:#616061}`;

function names(users: readonly SlackUser[]): Names {
  const byId = new Map<string, string>(users.map((u) => [u.id, u.name]));
  byId.set(IDENTITY.bot.user_id, IDENTITY.bot.name);
  return { user: (id) => byId.get(id) };
}

/** A composition text object (`plain_text` or `mrkdwn`). */
function textObject(t: unknown, n: Names): string {
  if (!isObject(t) || typeof t.text !== 'string') return '';
  return t.type === 'mrkdwn' ? mrkdwn(t.text, n) : plainText(t.text, t.emoji !== false);
}

function imageSrc(el: Json): string | null {
  const url = safeUrl(el.image_url);
  if (url) return url;
  const file = isObject(el.slack_file) ? el.slack_file : null;
  if (file && typeof file.id === 'string') return `/files/${encodeURIComponent(file.id)}`;
  return file ? safeUrl(file.url) : null;
}

function image(el: Json, className = ''): string {
  const src = imageSrc(el);
  const alt = typeof el.alt_text === 'string' ? el.alt_text : '';
  return src
    ? `<img${className ? ` class="${className}"` : ''} src="${esc(src)}" alt="${esc(alt)}" loading="lazy">`
    : `<span class="placeholder">[image: ${esc(alt)}]</span>`;
}

/** An interactive element: buttons as links (or inert when they carry no url), the rest named. */
function element(el: unknown, n: Names): string {
  if (!isObject(el)) return '';
  if (el.type === 'button') {
    const style = el.style === 'primary' || el.style === 'danger' ? ` ${el.style}` : '';
    const label = textObject(el.text, n);
    const action = typeof el.action_id === 'string' ? ` data-action-id="${esc(el.action_id)}"` : '';
    const href = safeUrl(el.url);
    return href
      ? `<a class="button${style}"${action} href="${esc(href)}" target="_blank" rel="noopener noreferrer">${label}</a>`
      : `<span class="button${style}"${action}>${label}</span>`;
  }
  if (el.type === 'image') return image(el);
  const label = isObject(el.placeholder) ? textObject(el.placeholder, n) : esc(el.type);
  return `<span class="button placeholder">${label} ▾</span>`;
}

type Inline = Json & { type: string };

function richInline(el: Inline, n: Names): string {
  switch (el.type) {
    case 'text': {
      const s = isObject(el.style) ? el.style : {};
      let html = plainText(String(el.text ?? ''), false);
      if (s.code) html = `<code>${html}</code>`;
      if (s.bold) html = `<strong>${html}</strong>`;
      if (s.italic) html = `<em>${html}</em>`;
      if (s.strike) html = `<del>${html}</del>`;
      return html;
    }
    case 'link': {
      const href = safeUrl(el.url);
      const label = esc(typeof el.text === 'string' && el.text ? el.text : el.url);
      return href ? link(href, label) : label;
    }
    case 'user':
      return mention('user', `@${n.user(String(el.user_id)) ?? el.user_id}`);
    case 'usergroup':
      return mention('group', `@${el.usergroup_id}`);
    case 'channel':
      return mention('channel', `#${el.channel_id}`);
    case 'broadcast':
      return mention('broadcast', `@${el.range}`);
    case 'emoji':
      return typeof el.unicode === 'string' && /^[0-9a-f-]+$/i.test(el.unicode)
        ? el.unicode
            .split('-')
            .map((cp) => `&#x${cp};`)
            .join('')
        : emoji(`:${esc(el.name)}:`);
    case 'date':
      return esc(el.fallback ?? el.timestamp);
    default:
      return '';
  }
}

function richElement(el: unknown, n: Names): string {
  if (!isObject(el)) return '';
  const inline = (items: unknown) => (Array.isArray(items) ? items.filter(isObject).map((i) => richInline(i as Inline, n)) : []).join('');
  switch (el.type) {
    case 'rich_text_section':
      return `<div>${inline(el.elements)}</div>`;
    case 'rich_text_preformatted':
      return `<pre>${inline(el.elements)}</pre>`;
    case 'rich_text_quote':
      return `<blockquote>${inline(el.elements)}</blockquote>`;
    case 'rich_text_list': {
      const tag = el.style === 'ordered' ? 'ol' : 'ul';
      const items = Array.isArray(el.elements) ? el.elements.filter(isObject).map((s) => `<li>${inline(s.elements)}</li>`) : [];
      return `<${tag}>${items.join('')}</${tag}>`;
    }
    default:
      return '';
  }
}

function block(b: Block, n: Names): string {
  const id = typeof b.block_id === 'string' ? ` data-block-id="${esc(b.block_id)}"` : '';
  const wrap = (html: string) => `<div class="block block-${esc(b.type)}"${id}>${html}</div>`;
  switch (b.type) {
    case 'header':
      return `<h3 class="block block-header"${id}>${textObject(b.text, n)}</h3>`;
    case 'section': {
      const fields = Array.isArray(b.fields) ? `<div class="fields">${b.fields.map((f) => `<div class="field">${textObject(f, n)}</div>`).join('')}</div>` : '';
      const accessory = b.accessory ? `<div class="accessory">${element(b.accessory, n)}</div>` : '';
      return wrap(`<div class="section-body"><div class="section-text">${textObject(b.text, n)}</div>${fields}</div>${accessory}`);
    }
    case 'context': {
      const elements = Array.isArray(b.elements) ? b.elements : [];
      return wrap(elements.map((el) => (isObject(el) && el.type === 'image' ? image(el) : `<span>${textObject(el, n)}</span>`)).join(''));
    }
    case 'divider':
      return `<hr class="block block-divider"${id}>`;
    case 'actions':
      return wrap((Array.isArray(b.elements) ? b.elements : []).map((el) => element(el, n)).join(''));
    case 'image': {
      const title = isObject(b.title) ? `<figcaption>${textObject(b.title, n)}</figcaption>` : '';
      return `<figure class="block block-image"${id}>${image(b)}${title}</figure>`;
    }
    case 'rich_text':
      return wrap((Array.isArray(b.elements) ? b.elements : []).map((el) => richElement(el, n)).join(''));
    case 'markdown':
      return wrap(plainText(String(b.text ?? ''), false));
    default:
      return wrap(`<span class="placeholder">[${esc(b.type)} block]</span>`);
  }
}

const size = (bytes: number): string =>
  bytes < 1024 ? `${bytes} B` : bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function fileHtml(f: StoredFile): string {
  const src = `/files/${encodeURIComponent(f.id)}`;
  const caption = `${esc(f.title)} · ${esc(f.mimetype)} · ${size(f.bytes?.length ?? 0)}`;
  if (f.mimetype.startsWith('image/')) {
    return `<figure class="file" data-file-id="${esc(f.id)}"><img src="${src}" alt="${esc(f.altText ?? f.title)}" loading="lazy"><figcaption>${caption}</figcaption></figure>`;
  }
  return `<div class="file" data-file-id="${esc(f.id)}"><a href="${src}">${esc(f.name)}</a> <span class="meta">${esc(f.mimetype)} · ${size(f.bytes?.length ?? 0)}</span></div>`;
}

function time(ts: string): string {
  const date = new Date(Number(ts.split('.')[0]) * 1000);
  return `<time datetime="${date.toISOString()}" title="${date.toISOString()}">${date.toISOString().slice(11, 19)} UTC</time>`;
}

function messageHtml(m: StoredMessage, ws: Workspace, n: Names, where: 'channel' | 'thread'): string {
  const attrs = [
    `data-ts="${esc(m.ts)}"`,
    `data-channel="${esc(m.channel)}"`,
    m.thread_ts ? `data-thread-ts="${esc(m.thread_ts)}"` : '',
    m.reply_broadcast ? 'data-broadcast="true"' : '',
  ].filter(Boolean);
  const author = n.user(m.user) ?? m.user;
  const edited = m.edited_ts ? ' <span class="edited">(edited)</span>' : '';
  const note = m.reply_broadcast && where === 'channel' ? '<div class="broadcast-note">replied to a thread</div>' : '';
  const body = m.blocks ? m.blocks.map((b) => block(b, n)).join('') : mrkdwn(m.text, n);
  const files = m.files.flatMap((id) => {
    const f = ws.file(id);
    return f ? [fileHtml(f)] : [];
  });
  const replies = where === 'channel' && m.thread_ts === null ? ws.replies(m.channel, m.ts) : [];
  const thread = replies.length
    ? `<details class="thread"><summary>${replies.length} ${replies.length === 1 ? 'reply' : 'replies'}</summary><ol class="replies">${replies
        .map((r) => messageHtml(r, ws, n, 'thread'))
        .join('')}</ol></details>`
    : '';
  return `<li class="message${m.thread_ts ? ' reply' : ''}" ${attrs.join(' ')}>${note}<div class="meta"><strong class="author">${esc(author)}</strong><span class="app">APP</span>${time(m.ts)}${edited}</div><div class="body">${body}</div>${files.length ? `<div class="files">${files.join('')}</div>` : ''}${thread}</li>`;
}

export function renderPage(ws: Workspace, users: readonly SlackUser[], only?: string): string {
  const n = names(users);
  const channels = ws.channels().filter((c) => only === undefined || c === only);
  const sections = channels.map((c) => {
    const top = ws.list(c).filter((m) => m.thread_ts === null || m.reply_broadcast);
    return `<section class="channel" id="channel-${esc(c)}" data-channel="${esc(c)}" aria-labelledby="h-${esc(c)}"><h2 id="h-${esc(c)}"><a href="/?channel=${esc(c)}">#${esc(c)}</a></h2><ol class="messages">${top
      .map((m) => messageHtml(m, ws, n, 'channel'))
      .join('')}</ol></section>`;
  });
  const count = channels.reduce((sum, c) => sum + ws.list(c).length, 0);
  const summary = `${count} message${count === 1 ? '' : 's'} in ${channels.length} channel${channels.length === 1 ? '' : 's'}`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(IDENTITY.team.name)} · Slack emulator</title><style>${STYLE}</style></head><body><header><h1>${esc(IDENTITY.team.name)} · Slack emulator</h1><p>${summary}${only ? ' · <a href="/">all channels</a>' : ''}</p></header><main>${sections.join('') || '<p class="empty">No messages yet.</p>'}</main></body></html>`;
}

export function pageRoutes(ws: Workspace, users: readonly SlackUser[]) {
  return (app: FastifyInstance): void => {
    app.get('/', async (req, reply) => {
      const { channel } = req.query as { channel?: unknown };
      return reply
        .header('content-type', 'text/html; charset=utf-8')
        .header('content-security-policy', "default-src 'none'; img-src 'self' http: https: data:; style-src 'unsafe-inline'")
        .send(renderPage(ws, users, typeof channel === 'string' ? channel : undefined));
    });
  };
}
