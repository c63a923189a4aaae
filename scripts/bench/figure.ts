/**
 * One figure of the benchmark table: repeated samples of one measure, summed up as their median
 * with the min and max, judged against an aim or budget where there is one. A figure that could
 * not be measured has no samples and says why in its note; it is never a made-up number.
 */
import { median } from '../lib/stats.ts';

export const UNITS = ['ms', 's', 'MiB', 'req/s', 'x', 'count'] as const;
export type Unit = (typeof UNITS)[number];

/** What the median must stay within: `<=` an aim, budget or floor ratio, or `>=` a minimum. */
export interface Aim {
  op: '<=' | '>=';
  value: number;
  /** How the table calls it: the aim, or a budget. */
  kind?: 'aim' | 'budget';
}

export type Verdict = 'met' | 'not met';

export interface Figure {
  /** The benchmark it belongs to (its name for --only). */
  bench: string;
  name: string;
  unit: Unit;
  samples: number[];
  n: number;
  median: number | null;
  min: number | null;
  max: number | null;
  aim?: Aim;
  /** The median against the aim; absent without an aim or a sample. */
  verdict?: Verdict;
  note?: string;
}

export interface FigureOptions {
  aim?: Aim;
  note?: string;
}

/** Whether `value` keeps within `aim`. */
export function verdictOf(value: number, aim: Aim): Verdict {
  return (aim.op === '<=' ? value <= aim.value : value >= aim.value) ? 'met' : 'not met';
}

/** A figure from its samples (NaN and infinities are not samples: they are dropped). */
export function figure(bench: string, name: string, unit: Unit, samples: number[], options: FigureOptions = {}): Figure {
  const xs = samples.filter(Number.isFinite);
  if (xs.length === 0) return missing(bench, name, unit, options.note ?? 'no sample', options.aim);
  const m = median(xs);
  return {
    bench,
    name,
    unit,
    samples: xs,
    n: xs.length,
    median: m,
    min: Math.min(...xs),
    max: Math.max(...xs),
    ...(options.aim && { aim: options.aim, verdict: verdictOf(m, options.aim) }),
    ...(options.note && { note: options.note }),
  };
}

/** A figure that could not be measured, saying why. */
export function missing(bench: string, name: string, unit: Unit, why: string, aim?: Aim): Figure {
  return { bench, name, unit, samples: [], n: 0, median: null, min: null, max: null, ...(aim && { aim }), note: why };
}

/** A value in its unit as the table shows it: a precision that suits its size, the unit after it. */
export function formatValue(value: number, unit: Unit): string {
  const digits = (x: number) => (Math.abs(x) < 10 ? 2 : Math.abs(x) < 100 ? 1 : 0);
  switch (unit) {
    case 'ms':
      return `${value.toFixed(digits(value))} ms`;
    case 's':
      return `${value.toFixed(Math.abs(value) < 100 ? 1 : 0)} s`;
    case 'MiB':
      return `${value.toFixed(0)} MiB`;
    case 'req/s':
      return `${value.toFixed(0)} req/s`;
    case 'x':
      return `${value.toFixed(value < 10 ? 3 : 1)}×`;
    case 'count':
      return Number.isInteger(value) ? String(value) : value.toFixed(1);
  }
}

/** The aim as the table shows it, e.g. `budget ≤ 180.0 s`. */
export function formatAim(aim: Aim, unit: Unit): string {
  return `${aim.kind ?? 'aim'} ${aim.op === '<=' ? '≤' : '≥'} ${formatValue(aim.value, unit)}`;
}
