/** `canary history`'s readable output: one line per run, newest first, in aligned columns. */
import { formatDurationMs, formatTime } from './dashboard.ts';
import type { HistoryEntry } from './entry.ts';

const HEADINGS = ['STARTED (UTC)', 'OUTCOME', 'TRIGGER', 'DURATION', 'CHECK', 'FAILING STAGE', 'DEPLOYER', 'RUN'] as const;

export function historyTable(entries: HistoryEntry[]): string[] {
  const rows = entries.map((e) => [
    formatTime(e.started_at).replace(' UTC', ''),
    e.outcome.toUpperCase(),
    e.trigger,
    formatDurationMs(e.duration_ms),
    e.check,
    e.failing_stage ?? '—',
    e.deployer ?? '—',
    e.run_id,
  ]);
  const widths = HEADINGS.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  // The last column is not padded, so lines carry no trailing spaces.
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(HEADINGS), ...rows.map(line)];
}
