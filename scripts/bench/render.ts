/**
 * The benchmark table, one row a figure: for the console (aligned columns) and as Markdown (for
 * reports/bench/latest.md and docs/benchmarks.md), with the machine it was taken on.
 */
import { type Figure, formatAim, formatValue } from './figure.ts';
import type { Machine } from './machine.ts';

export const COLUMNS = ['benchmark', 'figure', 'median', 'min', 'max', 'n', 'aim', 'verdict', 'note'] as const;
/** Columns whose cells are numbers, right-aligned in the console. */
const NUMERIC = new Set<number>([2, 3, 4, 5]);

/** A figure's cells, in COLUMNS' order; `—` where there is nothing to say. */
export function cells(f: Figure): string[] {
  const value = (x: number | null) => (x === null ? '—' : formatValue(x, f.unit));
  return [f.bench, f.name, value(f.median), value(f.min), value(f.max), String(f.n), f.aim ? formatAim(f.aim, f.unit) : '—', f.verdict ?? '—', f.note ?? ''];
}

/** The table for a terminal: a header, a rule, one aligned row a figure. */
export function consoleTable(figures: Figure[]): string {
  const rows = [[...COLUMNS] as string[], ...figures.map(cells)];
  const widths = COLUMNS.map((_, c) => Math.max(...rows.map((r) => [...r[c]!].length)));
  const line = (r: string[]) =>
    r
      .map((cell, c) => (NUMERIC.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

const escapeCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The table in GitHub Markdown. */
export function markdownTable(figures: Figure[]): string {
  const head = `| ${COLUMNS.join(' | ')} |`;
  const rule = `|${COLUMNS.map((_, c) => (NUMERIC.has(c) ? '---:' : '---')).join('|')}|`;
  return [head, rule, ...figures.map((f) => `| ${cells(f).map(escapeCell).join(' | ')} |`)].join('\n');
}

/** One line naming the machine, e.g. for the console's header and the Markdown's first line. */
export function machineLine(m: Machine): string {
  return (
    `${m.cpus} × ${m.cpu_model}, ${m.memory_gib} GiB, ${m.os}, Node ${m.node}, ${m.chromium}, ` +
    `load average ${m.load_average.map((x) => x.toFixed(2)).join(' ')} at start`
  );
}

export interface Report {
  title: string;
  generated_at: string;
  mode: 'full' | 'quick';
  /** The benchmarks run (all, or those --only named). */
  benchmarks: string[];
  duration_s: number;
  machine: Machine;
  commit: string | null;
  figures: Figure[];
}

/** reports/bench/latest.md: the heading, the machine, the table. */
export function markdownReport(r: Report): string {
  return [
    `### ${r.title}`,
    '',
    `Taken ${r.generated_at} (${r.mode} run${r.commit ? `, commit ${r.commit}` : ''}, ${r.duration_s.toFixed(0)} s) on: ${machineLine(r.machine)}.`,
    '',
    markdownTable(r.figures),
    '',
  ].join('\n');
}
