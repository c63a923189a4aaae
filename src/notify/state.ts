/**
 * The alert policy's memory between runs: one small JSON file per check and target under
 * CANARY_STATE_DIR, written atomically, and changed only under a lock, so two runs finishing at
 * once never post two alerts for one failure streak.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { emptyState, type CheckState } from './policy.ts';

/** A lock older than this was left by a process that died holding it. */
const STALE_LOCK_MS = 5 * 60_000;
const LOCK_WAIT_MS = 3 * 60_000;

const fileOf = (dir: string, key: string) => path.join(dir, `${createHash('sha256').update(key).digest('hex').slice(0, 16)}.json`);

export function readState(dir: string, key: string): CheckState {
  try {
    const state = JSON.parse(readFileSync(fileOf(dir, key), 'utf8')) as CheckState;
    return state.key === key ? state : emptyState(key);
  } catch {
    return emptyState(key);
  }
}

export function writeState(dir: string, state: CheckState): void {
  mkdirSync(dir, { recursive: true });
  const file = fileOf(dir, state.key);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, file);
}

/** Runs `work` holding the lock named `name` in `dir` (a file created exclusively); waits for it, bounded, printing nothing. */
export async function withLock<T>(dir: string, name: string, work: () => Promise<T>): Promise<T> {
  mkdirSync(dir, { recursive: true });
  const lock = path.join(dir, `${createHash('sha256').update(name).digest('hex').slice(0, 16)}.lock`);
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const handle = await open(lock, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      try {
        if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) rmSync(lock, { force: true });
      } catch {
        // Released meanwhile.
      }
      if (Date.now() > deadline) throw new Error(`the lock ${lock} was held for more than ${LOCK_WAIT_MS / 60_000} min; remove it if no canary process runs`);
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100));
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { force: true });
  }
}
