/**
 * Where an alert waits when Slack cannot take it: one JSON file per message under
 * reports/outbox/ (with its screenshot beside it), sent later by `canary notify --flush` in the
 * order they were written, each once. A reply to an alert that is itself still waiting names it
 * as `{pending: id}` and is threaded under it once it is sent.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SlackMessage } from './message.ts';
import type { AlertRef } from './policy.ts';

export interface OutboxItem {
  id: string;
  created_at: string;
  run_id: string;
  /** The check whose state names this item while it is pending. */
  state_key: string;
  kind: string;
  channel: string;
  message: SlackMessage;
  thread: AlertRef | null;
  broadcast: boolean;
  /** The screenshot, copied into the outbox. */
  screenshot: string | null;
  /** Set once posted, so a flush that stops halfway never posts it twice. */
  sent_ts?: string;
}

const write = (file: string, value: unknown) => {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, file);
};

let seq = 0;

export function enqueue(dir: string, item: Omit<OutboxItem, 'id' | 'created_at' | 'screenshot'>, screenshot: string | null): OutboxItem {
  mkdirSync(dir, { recursive: true });
  const id = `${new Date().toISOString().replace(/[-:.]/g, '')}-${String(process.pid).padStart(7, '0')}-${String(seq++).padStart(4, '0')}`;
  let copied: string | null = null;
  if (screenshot && existsSync(screenshot)) {
    copied = path.join(dir, `${id}${path.extname(screenshot) || '.png'}`);
    copyFileSync(screenshot, copied);
  }
  const full: OutboxItem = { ...item, id, created_at: new Date().toISOString(), screenshot: copied };
  write(path.join(dir, `${id}.json`), full);
  return full;
}

/** What waits, oldest first. */
export function pending(dir: string): OutboxItem[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== 'delivered.json')
    .sort()
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as OutboxItem);
}

export function markSent(dir: string, item: OutboxItem, ts: string): void {
  write(path.join(dir, `${item.id}.json`), { ...item, sent_ts: ts });
}

export function remove(dir: string, item: OutboxItem): void {
  rmSync(path.join(dir, `${item.id}.json`), { force: true });
  if (item.screenshot) rmSync(item.screenshot, { force: true });
}

/** Where alerts sent from the outbox landed, by their outbox id, for replies that wait under them. */
export function delivered(dir: string): Record<string, { channel: string; ts: string }> {
  try {
    return JSON.parse(readFileSync(path.join(dir, 'delivered.json'), 'utf8'));
  } catch {
    return {};
  }
}

export function recordDelivered(dir: string, id: string, where: { channel: string; ts: string }): void {
  mkdirSync(dir, { recursive: true });
  write(path.join(dir, 'delivered.json'), { ...delivered(dir), [id]: where });
}
