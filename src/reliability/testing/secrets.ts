/**
 * Test helper for the reliability suite: after a run, every place a secret could leak to is
 * searched for the Stripe key, the webhook signing secrets, the app's admin token and the Slack
 * token — and for anything shaped like a key, webhook secret or Slack token, redacted or not:
 * the reports folders (every file, inside zipped traces and the HTML report's embedded zip too;
 * the SQLite history, the outbox and the alert state live there), the output and logs of every
 * command, the PostgreSQL history's rows, and the Slack messages. Any hit fails, naming where.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { type Finished, SECRET_PATTERNS } from '../../runner/testing/canary-cli.ts';
import { secretsIn } from '../../runner/testing/report-texts.ts';

export interface KnownSecrets {
  stripeKey?: string;
  /** Every signing secret the emulator gave out (see `webhookSecretsIn`). */
  webhookSecrets?: string[];
  adminToken?: string;
  slackToken?: string;
}

export interface LeakScan {
  secrets: KnownSecrets;
  /** Folders searched whole: reports folders, a Slack emulator's files. */
  folders?: string[];
  /** What commands printed: finished `canary` commands, or text by name (a process's captured log). */
  outputs?: (Finished | { name: string; text: string })[];
  /** A PostgreSQL database whose history and schedule claims are read row by row. */
  postgresUrl?: string;
  /** A Slack emulator whose messages in these channels are read. */
  slack?: { url: string; channels: string[] };
}

/**
 * The webhook signing secrets a Stripe emulator started with `dataFile` gave out, read from its
 * state (the API shows a secret only to whoever created the endpoint).
 */
export function webhookSecretsIn(dataFile: string): string[] {
  if (!existsSync(dataFile)) return [];
  const state = JSON.parse(readFileSync(dataFile, 'utf8')) as { secrets?: [string, string][] };
  return (state.secrets ?? []).map(([, secret]) => secret);
}

function needles(s: KnownSecrets): (string | RegExp)[] {
  const known = [s.stripeKey, ...(s.webhookSecrets ?? []), s.adminToken, s.slackToken].filter((x): x is string => typeof x === 'string' && x.length >= 8);
  return [...known, ...SECRET_PATTERNS];
}

const hit = (text: string, needle: string | RegExp) => (typeof needle === 'string' ? text.includes(needle) : needle.test(text));

/** PostgreSQL rows as text, by table; a table that does not exist is no rows. */
async function postgresTexts(url: string): Promise<{ where: string; text: string }[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000, query_timeout: 30_000 });
  await client.connect();
  try {
    const texts: { where: string; text: string }[] = [];
    for (const table of ['canary_history', 'canary_schedule_claims']) {
      const exists = await client.query('select 1 from information_schema.tables where table_name = $1', [table]);
      if (exists.rowCount === 0) continue;
      const rows = await client.query<{ row: string }>(`select row_to_json(t)::text as row from ${table} t`);
      for (const [i, r] of rows.rows.entries()) texts.push({ where: `${table} row ${i + 1}`, text: r.row });
    }
    return texts;
  } finally {
    await client.end();
  }
}

/** Where each secret appears, as `<secret> in <where>`; empty when nothing leaked. */
export async function leaksOf(scan: LeakScan): Promise<string[]> {
  const find = needles(scan.secrets);
  const found: string[] = [];
  const check = (where: string, text: string) => {
    for (const n of find) if (hit(text, n)) found.push(`${String(n)} in ${where}`);
  };
  for (const folder of scan.folders ?? []) if (existsSync(folder)) found.push(...secretsIn(folder, find).map((x) => `${x} (under ${folder})`));
  for (const o of scan.outputs ?? []) {
    if ('text' in o) check(o.name, o.text);
    else {
      check(`the output of a command (report ${o.reportDir ?? 'none'})`, o.stdout);
      check(`the errors of a command (report ${o.reportDir ?? 'none'})`, o.stderr);
    }
  }
  if (scan.postgresUrl) for (const { where, text } of await postgresTexts(scan.postgresUrl)) check(`PostgreSQL ${where}`, text);
  for (const channel of scan.slack?.channels ?? []) {
    const res = await fetch(`${scan.slack!.url}/_emulator/messages?channel=${channel}`);
    check(`Slack channel ${channel}`, await res.text());
  }
  return found;
}

export async function assertNoLeaks(scan: LeakScan): Promise<void> {
  assert.deepEqual(await leaksOf(scan), [], 'a secret leaked into a report, an output, the history or a Slack message');
}
