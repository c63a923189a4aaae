/**
 * The history's retention: runs that started longer ago than CANARY_HISTORY_RETENTION are deleted
 * (by `canary prune`, and the schedule's prune), then `<reports>/index.html` is drawn again without
 * them. Like recording a run, a history that cannot be opened or written is one warning line and
 * a null result, never an exception.
 */
import type { Config } from '../config/programs/harness.ts';
import { writeDashboard } from './dashboard.ts';
import type { HistoryStore } from './history-store.ts';
import { openHistory, type HistoryConfig } from './store.ts';

/** What a prune did to the history: `canary prune --json`'s `history`. */
export interface HistoryPruneReport {
  /** The retention: runs that started longer ago than this are deleted. */
  older_than_ms: number;
  /** Runs that started before the cut (in a dry run, what would be deleted). */
  found: number;
  /** Runs deleted; 0 in a dry run. */
  deleted: number;
}

export interface HistoryPruned extends HistoryPruneReport {
  /** The redrawn dashboard; null when nothing was deleted, or it could not be drawn (warned). */
  dashboard: string | null;
}

export interface PruneHistoryOptions {
  /** The retention is measured back from this time. */
  now?: Date;
  /** Count what would be deleted; delete nothing, draw nothing. */
  dryRun?: boolean;
}

/** Null when the history could not be opened, read or written: `warn` got one line saying why. */
export async function pruneHistory(
  config: HistoryConfig & Pick<Config, 'CANARY_HISTORY_RETENTION'>,
  warn: (line: string) => void,
  options: PruneHistoryOptions = {},
): Promise<HistoryPruned | null> {
  const olderThanMs = config.CANARY_HISTORY_RETENTION;
  const now = options.now ?? new Date();
  const before = new Date(now.getTime() - olderThanMs);
  let store: HistoryStore | null = null;
  try {
    // Read-only: a history that does not exist yet has nothing to delete, and is not created.
    store = await openHistory(config, { readOnly: true });
    if (options.dryRun) return { older_than_ms: olderThanMs, found: await store.countBefore(before), deleted: 0, dashboard: null };
    const deleted = await store.prune(before);
    const pruned = { older_than_ms: olderThanMs, found: deleted, deleted, dashboard: null };
    if (deleted === 0) return pruned;
    try {
      return { ...pruned, dashboard: await writeDashboard(store, config.CANARY_REPORTS_DIR, now) };
    } catch (err) {
      warn(`history: deleted ${deleted} runs, but the dashboard was not drawn again: ${(err as Error).message}`);
      return pruned;
    }
  } catch (err) {
    warn(`history: not pruned: ${(err as Error).message}`);
    return null;
  } finally {
    await store?.close().catch(() => {});
  }
}
