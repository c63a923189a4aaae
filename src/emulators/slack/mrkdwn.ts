/**
 * Slack's `mrkdwn` as HTML, the way a person sees it in Slack: *bold*, _italic_, ~strike~,
 * `code`, ```pre```, `>` quotes, `<url|label>` links, `<@U…>` mentions shown as `@name`,
 * `<#C…>` channels, `<!subteam^S…|@handle>` groups, `<!here>`, and a few `:emoji:`.
 * Everything is HTML-escaped before any tag is added, so no text can inject markup: the only
 * tags in the output are the ones written here, and links only ever point at http(s) or mailto.
 */

export interface Names {
  /** The `@name` of a user id, if the workspace knows it. */
  user(id: string): string | undefined;
}

export const escapeHtml = (s: unknown): string =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Slack's own escaping of `&`, `<` and `>` in message text, undone. */
const decodeSlack = (s: string): string => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

const EMOJI: Record<string, string> = {
  white_check_mark: '✅',
  heavy_check_mark: '✔️',
  x: '❌',
  warning: '⚠️',
  rotating_light: '🚨',
  red_circle: '🔴',
  large_green_circle: '🟢',
  green_circle: '🟢',
  large_yellow_circle: '🟡',
  information_source: 'ℹ️',
  no_entry: '⛔',
  hourglass: '⌛',
  hourglass_flowing_sand: '⏳',
  tada: '🎉',
  fire: '🔥',
  bell: '🔔',
  eyes: '👀',
  '+1': '👍',
  thumbsup: '👍',
  credit_card: '💳',
  moneybag: '💰',
  bird: '🐦',
  robot_face: '🤖',
};

/** `:name:` shortcodes Slack would show as emoji; unknown ones stay as written. Works on escaped text. */
export const emoji = (html: string): string => html.replace(/:([a-z0-9_+-]+):/g, (all, name: string) => EMOJI[name] ?? all);

/** An href the page may link to (http, https, mailto), or null. */
export function safeUrl(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  try {
    const url = new URL(raw);
    return ['http:', 'https:', 'mailto:'].includes(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

export const link = (href: string, labelHtml: string): string => `<a href="${escapeHtml(href)}" target="_blank" rel="noopener noreferrer">${labelHtml}</a>`;

export const mention = (kind: 'user' | 'channel' | 'group' | 'broadcast', label: string): string =>
  `<span class="mention mention-${kind}">${escapeHtml(label)}</span>`;

/** One `<…>` control sequence (without its brackets) as HTML. */
function control(inner: string, names: Names): string {
  const bar = inner.indexOf('|');
  const target = bar === -1 ? inner : inner.slice(0, bar);
  const label = bar === -1 ? undefined : decodeSlack(inner.slice(bar + 1));
  if (target.startsWith('@')) {
    const id = target.slice(1);
    return mention('user', `@${names.user(id) ?? label?.replace(/^@/, '') ?? id}`);
  }
  if (target.startsWith('#')) return mention('channel', `#${label ?? target.slice(1)}`);
  if (target.startsWith('!subteam^')) return mention('group', `@${label?.replace(/^@/, '') ?? target.slice('!subteam^'.length)}`);
  if (target === '!here' || target === '!channel' || target === '!everyone') return mention('broadcast', `@${target.slice(1)}`);
  if (target.startsWith('!date^')) return escapeHtml(label ?? target.split('^')[2] ?? target);
  const href = safeUrl(decodeSlack(target));
  if (href) return link(href, escapeHtml(label ?? decodeSlack(target)));
  return escapeHtml(`<${decodeSlack(inner)}>`);
}

// Private-use characters mark where a control sequence's HTML goes back in; stripped from input first.
const OPEN = '\uE000';
const CLOSE = '\uE001';
const CONTROL = /<([^<>\n]*)>/g;

/** Text with its control sequences rendered and nothing else formatted (inside code and pre). */
function literal(text: string, names: Names): string {
  const parts: string[] = [];
  let last = 0;
  for (const m of text.matchAll(CONTROL)) {
    parts.push(escapeHtml(decodeSlack(text.slice(last, m.index))), control(m[1]!, names));
    last = m.index + m[0].length;
  }
  parts.push(escapeHtml(decodeSlack(text.slice(last))));
  return parts.join('');
}

const BOLD = /(^|[^\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])/g;
const ITALIC = /(^|[^\w_])_(?=\S)([^_\n]*?\S)_(?![\w_])/g;
const STRIKE = /(^|[^\w~])~(?=\S)([^~\n]*?\S)~(?![\w~])/g;

/** Plain prose: controls kept aside, the rest escaped, then bold, italic, strike, quotes, emoji, line breaks. */
function prose(text: string, names: Names): string {
  const rendered: string[] = [];
  const marked = text.replace(CONTROL, (_all, inner: string) => {
    rendered.push(control(inner, names));
    return `${OPEN}${rendered.length - 1}${CLOSE}`;
  });
  let html = escapeHtml(decodeSlack(marked)).replace(BOLD, '$1<strong>$2</strong>').replace(ITALIC, '$1<em>$2</em>').replace(STRIKE, '$1<del>$2</del>');
  html = emoji(html);
  html = html
    .split('\n')
    .map((line) => (line.startsWith('&gt; ') || line === '&gt;' ? `<blockquote>${line.replace(/^&gt; ?/, '')}</blockquote>` : line))
    .join('\n')
    .replace(/\n/g, '<br>')
    .replace(/<\/blockquote><br>/g, '</blockquote>');
  return html.replace(new RegExp(`${OPEN}(\\d+)${CLOSE}`, 'g'), (_all, i: string) => rendered[Number(i)]!);
}

/** `mrkdwn` text as HTML. */
export function mrkdwn(text: string, names: Names): string {
  const clean = text.replace(/[\uE000\uE001]/g, '');
  const out: string[] = [];
  // ```pre``` first, then `code` within what is left, then prose.
  for (const [i, chunk] of clean.split(/```([\s\S]*?)```/).entries()) {
    if (i % 2 === 1) {
      out.push(`<pre>${literal(chunk.replace(/^\n/, ''), names)}</pre>`);
      continue;
    }
    for (const [j, piece] of chunk.split(/`([^`\n]+)`/).entries()) {
      out.push(j % 2 === 1 ? `<code>${literal(piece, names)}</code>` : prose(piece, names));
    }
  }
  return out.join('');
}

/** `plain_text`: escaped, with emoji (unless `emoji: false`) and line breaks. */
export function plainText(text: string, withEmoji = true): string {
  const html = escapeHtml(text);
  return (withEmoji ? emoji(html) : html).replace(/\n/g, '<br>');
}
