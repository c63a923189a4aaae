/**
 * The run history: every finished run's summary, one row per run id. SQLite in
 * `<CANARY_REPORTS_DIR>/history.sqlite` on one machine; PostgreSQL when CANARY_COORDINATOR_URL is
 * set, so every machine shares one history. Appending a run id again replaces its row (a merged
 * sharded run is recorded once).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/config.ts';
import type { RunSummary } from '../runner/summary-schema.ts';
import type { StoredEntry } from './entry.ts';

export interface HistoryQuery {
  /** The newest N runs. */
  last?: number;
  /** Only this check (see `checkOf`). */
  check?: string;
  /** Only runs started at or after this time. */
  since?: Date;
}

export interface HistoryStore {
  /** Where it is, for messages: a file path, or "PostgreSQL (CANARY_COORDINATOR_URL)" — never the URL. */
  readonly where: string;
  append(summary: RunSummary, reportDir: string): Promise<void>;
  /** Newest first (by start time, then run id). */
  list(q?: HistoryQuery): Promise<StoredEntry[]>;
  close(): Promise<void>;
}

/** The history could not be opened, read or written; `cause` keeps the driver's error. */
export class HistoryUnavailable extends Error {
  override readonly name = 'HistoryUnavailable';
}

export const SQLITE_FILE = 'history.sqlite';
export const POSTGRES_WHERE = 'PostgreSQL (CANARY_COORDINATOR_URL)';

type HistoryConfig = Pick<Config, 'CANARY_REPORTS_DIR' | 'CANARY_REPORT_URL' | 'CANARY_COORDINATOR_URL'>;

export function reportsDirOf(config: Pick<Config, 'CANARY_REPORTS_DIR'>, root: string): string {
  return path.resolve(root, config.CANARY_REPORTS_DIR);
}

/**
 * The configured store. With `readOnly`, a SQLite history that does not exist yet is not created:
 * an empty one stands in.
 */
export async function openHistory(config: HistoryConfig, root: string, options: { readOnly?: boolean } = {}): Promise<HistoryStore> {
  const reportsDir = reportsDirOf(config, root);
  const where = { reportsDir, reportUrl: config.CANARY_REPORT_URL };
  try {
    if (config.CANARY_COORDINATOR_URL) {
      const { openPostgresHistory } = await import('./postgres.ts');
      return await openPostgresHistory(config.CANARY_COORDINATOR_URL, where);
    }
    const file = path.join(reportsDir, SQLITE_FILE);
    if (options.readOnly && !existsSync(file)) return emptyHistory(file);
    const { openSqliteHistory } = await import('./sqlite.ts');
    return openSqliteHistory(file, where);
  } catch (err) {
    if (err instanceof HistoryUnavailable) throw err;
    const store = config.CANARY_COORDINATOR_URL ? POSTGRES_WHERE : path.join(reportsDir, SQLITE_FILE);
    throw new HistoryUnavailable(`could not open the run history in ${store}: ${(err as Error).message}`, { cause: err });
  }
}

function emptyHistory(where: string): HistoryStore {
  return {
    where,
    append: () => Promise.reject(new HistoryUnavailable('this history was opened read-only')),
    list: async () => [],
    close: async () => {},
  };
}
