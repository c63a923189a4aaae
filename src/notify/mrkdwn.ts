/**
 * Slack's mrkdwn, safely: text escaped as Slack asks (&, <, >), links and mentions in Slack's
 * own syntax, and text cut to a limit cleanly — never in the middle of an escape — with a marker
 * that says how much was left out.
 */

/** Slack's escaping for text it should show as written. */
export function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A link Slack renders as `label`; null when there is no URL (a link that is not configured is left out). */
export function link(url: string | null | undefined, label: string): string | null {
  if (!url || !/^https?:\/\//.test(url)) return null;
  return `<${url.replace(/[|>]/g, encodeURIComponent)}|${escapeText(label).replace(/\|/g, '¦')}>`;
}

/** Escapes `raw` and cuts it to at most `max` characters, ending with a marker when cut. */
export function fit(raw: string, max: number, marker = (left: number) => `\n… (${left} more characters in the report)`): string {
  const whole = escapeText(raw);
  if (whole.length <= max) return whole;
  // The longest prefix of the raw text whose escaped form and the marker fit: escapes stay whole.
  let lo = 0;
  let hi = raw.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (escapeText(raw.slice(0, mid)).length + marker(raw.length - mid).length <= max) lo = mid;
    else hi = mid - 1;
  }
  return escapeText(raw.slice(0, lo)) + marker(raw.length - lo);
}

/** Preformatted text that fits `max` with its fences. */
export function codeBlock(raw: string, max: number): string {
  const fence = '```';
  return `${fence}${fit(raw.replace(/```/g, "'''"), max - 2 * fence.length - 1)}${fence}`;
}

/** Cuts text that is already mrkdwn (escaped, with links and mentions) to `max`, never inside an escape, link or mention. */
export function clip(mrkdwn: string, max: number): string {
  if (mrkdwn.length <= max) return mrkdwn;
  let cut = mrkdwn.slice(0, max - 1);
  const open = Math.max(cut.lastIndexOf('<'), cut.lastIndexOf('&'));
  if (open >= 0 && !/[>;]/.test(cut.slice(open))) cut = cut.slice(0, open);
  return `${cut}…`;
}
