/**
 * The run history: every finished run's summary, one row per run id. SQLite in
 * `<CANARY_REPORTS_DIR>/history.sqlite` on one machine; PostgreSQL when CANARY_COORDINATOR_URL is
 * set, so every machine shares one history. Appending a run id again replaces its row (a merged
 * sharded run is recorded once).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/programs/harness.ts';
import { HistoryUnavailable, POSTGRES_WHERE, SQLITE_FILE, type HistoryStore } from './history-store.ts';

export { HistoryUnavailable, SQLITE_FILE, type HistoryStore };

export type HistoryConfig = Pick<Config, 'CANARY_REPORTS_DIR' | 'CANARY_REPORT_URL' | 'CANARY_COORDINATOR_URL'>;

/**
 * The configured store. With `readOnly`, a SQLite history that does not exist yet is not created:
 * an empty one stands in.
 */
export async function openHistory(config: HistoryConfig, options: { readOnly?: boolean } = {}): Promise<HistoryStore> {
  const reportsDir = config.CANARY_REPORTS_DIR;
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
    countBefore: async () => 0,
    // Nothing to delete in a history that does not exist yet.
    prune: async () => 0,
    close: async () => {},
  };
}
