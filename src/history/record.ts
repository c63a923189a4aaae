/**
 * What every finished run does with the history: append its summary, then redraw
 * `<reports>/index.html` from the store. A history that cannot be opened or written never
 * changes the run's outcome: one warning line, and the run goes on.
 */
import type { RunSummary } from '../runner/summary-schema.ts';
import { writeDashboard } from './dashboard.ts';
import type { HistoryStore } from './history-store.ts';
import { openHistory, type HistoryConfig } from './store.ts';

export interface Recorded {
  /** The regenerated dashboard; null when the history could not be written. */
  dashboard: string | null;
}

export async function recordRun(
  summary: RunSummary,
  reportDir: string,
  config: HistoryConfig,
  warn: (line: string) => void,
  now: () => Date = () => new Date(),
): Promise<Recorded> {
  let store: HistoryStore | null = null;
  let step = 'recorded';
  try {
    store = await openHistory(config);
    await store.append(summary, reportDir);
    step = 'drawn on the dashboard';
    return { dashboard: await writeDashboard(store, config.CANARY_REPORTS_DIR, now()) };
  } catch (err) {
    warn(`history: run ${summary.run_id} not ${step}: ${(err as Error).message}`);
    return { dashboard: null };
  } finally {
    await store?.close().catch(() => {});
  }
}
