/**
 * What a run history is, whichever database keeps it (sqlite.ts on one machine, postgres.ts
 * shared by every machine): the interface both implement and the error both throw. store.ts
 * opens the configured one.
 */
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
  /** How many runs started before `before` (what `prune(before)` would delete). */
  countBefore(before: Date): Promise<number>;
  /** Deletes every run that started before `before`; answers how many. */
  prune(before: Date): Promise<number>;
  close(): Promise<void>;
}

/** The history could not be opened, read or written; `cause` keeps the driver's error. */
export class HistoryUnavailable extends Error {
  override readonly name = 'HistoryUnavailable';
}

export const SQLITE_FILE = 'history.sqlite';
export const POSTGRES_WHERE = 'PostgreSQL (CANARY_COORDINATOR_URL)';
