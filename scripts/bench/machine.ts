/**
 * The machine a benchmark table was taken on: cores and CPU model, memory, OS, Node, the version of
 * the Chromium the project drives (findChromium(), as `canary run` does), the load average at the
 * start (the machine is shared: a high one says the figures are slower than they would be).
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { findChromium } from '../../src/browser/chromium.ts';

export interface Machine {
  cpus: number;
  cpu_model: string;
  memory_gib: number;
  os: string;
  node: string;
  /** `Chromium 140.0.…` as the browser prints it, or why it is unknown. */
  chromium: string;
  chromium_path: string | null;
  /** 1, 5 and 15 minutes. */
  load_average: number[];
}

/** The Chromium the runs use and its version, as `chromium --version` prints it. */
export function chromiumVersion(): { version: string; path: string | null } {
  let found: string;
  try {
    found = findChromium().path;
  } catch (err) {
    return { version: `Chromium unknown (${(err as Error).message})`, path: null };
  }
  const r = spawnSync(found, ['--version'], { encoding: 'utf8', timeout: 15_000 });
  const line = r.stdout?.trim().split('\n')[0];
  if (r.status === 0 && line) return { version: line.replace(/\s+built on.*$/i, ''), path: found };
  return { version: `Chromium unknown (${found} --version: ${r.error?.message ?? `exit ${r.status}`})`, path: found };
}

export function machine(): Machine {
  const cpus = os.cpus();
  const chromium = chromiumVersion();
  return {
    cpus: cpus.length,
    cpu_model: cpus[0]?.model.trim().replace(/\s+/g, ' ') ?? 'unknown CPU',
    memory_gib: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    chromium: chromium.version,
    chromium_path: chromium.path,
    load_average: os.loadavg(),
  };
}

/** The project's commit (short), with `+changes` when the tree differs from it; null outside git. */
export function commit(cwd: string): string | null {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8' });
  if (head.status !== 0) return null;
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, encoding: 'utf8' }).stdout?.trim();
  return `${head.stdout.trim()}${dirty ? '+changes' : ''}`;
}
