/**
 * Peak memory of a whole process tree (a `canary run`, its Playwright child in its own process
 * group, the workers, the browser and its helpers): every ~100 ms, one pass over /proc/<pid>/stat
 * gives each process's parent and resident set; the tree's RSS is the sum over the root and all
 * its descendants. Pages shared between processes (libraries, Chromium's shared memory) count in
 * each, so the sum is an upper bound. Linux only: elsewhere the peak is null.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

export interface ProcStat {
  pid: number;
  ppid: number;
  rssPages: number;
}

/** Parent and resident pages from one /proc/<pid>/stat line; the command name may hold spaces and parentheses. */
export function parseStat(pid: number, line: string): ProcStat | null {
  const close = line.lastIndexOf(')');
  if (close < 0) return null;
  // After the name: state (field 3), ppid (4), … rss (24).
  const fields = line.slice(close + 2).split(' ');
  const ppid = Number(fields[1]);
  const rssPages = Number(fields[21]);
  return Number.isFinite(ppid) && Number.isFinite(rssPages) ? { pid, ppid, rssPages } : null;
}

/** Resident pages of `root` and every descendant among `procs`. */
export function treePages(procs: ProcStat[], root: number): number {
  const children = new Map<number, ProcStat[]>();
  for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const self = procs.find((p) => p.pid === root);
  if (!self) return 0;
  let pages = 0;
  const queue = [self];
  const seen = new Set<number>();
  while (queue.length > 0) {
    const p = queue.shift()!;
    if (seen.has(p.pid)) continue;
    seen.add(p.pid);
    pages += p.rssPages;
    queue.push(...(children.get(p.pid) ?? []));
  }
  return pages;
}

function scan(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const s = parseStat(Number(entry), readFileSync(`/proc/${entry}/stat`, 'latin1'));
      if (s) out.push(s);
    } catch {
      // Gone between the listing and the read.
    }
  }
  return out;
}

let pageSize: number | null = null;
function bytesPerPage(): number {
  if (pageSize === null) {
    const r = spawnSync('getconf', ['PAGESIZE'], { encoding: 'utf8' });
    pageSize = r.status === 0 && Number(r.stdout) > 0 ? Number(r.stdout) : 4096;
  }
  return pageSize;
}

export interface TreeSampler {
  /** Stops sampling; the peak in bytes (null where /proc is not available). */
  stop(): number | null;
}

/** Samples the tree under `root` every `everyMs` until stopped. */
export function sampleTree(root: number, everyMs = 100): TreeSampler {
  if (process.platform !== 'linux') return { stop: () => null };
  const size = bytesPerPage();
  let peak = 0;
  const sample = () => {
    peak = Math.max(peak, treePages(scan(), root) * size);
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}
