/**
 * `summary.json` on disk: written atomically (validated, redacted), so readers never see half a
 * file; read back with a clear error naming the file when it is not a run summary.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { redact } from '../log/redact.ts';
import { runSummarySchema, type RunSummary } from './summary-schema.ts';

export const SUMMARY_FILE = 'summary.json';

export function writeSummary(dir: string, summary: RunSummary): void {
  const checked = runSummarySchema.parse(summary);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, SUMMARY_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${redact(JSON.stringify(checked, null, 2))}\n`);
  renameSync(tmp, file);
}

/** Why `dir` holds no readable run summary, or the summary. `given` is the folder as the user named it. */
export function readSummaryFile(dir: string, given = dir): { summary: RunSummary } | { problem: string } {
  const file = path.join(dir, SUMMARY_FILE);
  if (!existsSync(file)) return { problem: `${given}: no ${SUMMARY_FILE} in it, so it is not a canary run's report folder` };
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    return { problem: `${path.join(given, SUMMARY_FILE)} is not JSON (${(err as Error).message})` };
  }
  const parsed = runSummarySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { problem: `${path.join(given, SUMMARY_FILE)} is not a run summary: ${issue.path.join('.') || 'it'} ${issue.message}` };
  }
  return { summary: parsed.data };
}
