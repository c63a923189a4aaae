/**
 * A shard of a run: `canary run --shard i/n` runs the i-th of n parts of the suite (Playwright's
 * sharding), keeps Playwright's blob report beside its partial summary, and neither alerts nor
 * keeps history; `canary merge-reports` turns the n shard folders into one run.
 */
import { z } from 'zod';

export const shardSchema = z.object({ index: z.number().int().positive(), total: z.number().int().positive() });
export type Shard = z.infer<typeof shardSchema>;

/** Where a shard run keeps Playwright's blob report, inside its report folder. */
export const BLOB_DIR = 'blob';

/** `i/n` with 1 ≤ i ≤ n; throws with the message the flag shows. */
export function parseShard(raw: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(raw.trim());
  const index = Number(m?.[1]);
  const total = Number(m?.[2]);
  if (!m || index < 1 || index > total) throw new Error('must be i/n with 1 ≤ i ≤ n, e.g. 1/3');
  return { index, total };
}

export function formatShard(s: Shard): string {
  return `${s.index}/${s.total}`;
}
