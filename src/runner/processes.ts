/**
 * The processes of one run: Playwright's process group, the browsers that run in groups of their
 * own (found by the run's hand-off in their environment), and the lifeline between `canary run`
 * and its Playwright child. The lifeline is an extra pipe the runner holds open and never writes
 * to: when `canary run` dies, however it dies (SIGKILL, a crash, the OOM killer), the kernel
 * closes its end and the child reads end-of-file, so an orphaned Playwright learns at once that
 * nobody will stop it, finish its summary or record it, and stops itself.
 */
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';

/** The child's file descriptor of the lifeline: the one after stdin, stdout and stderr. */
export const LIFELINE_FD = 3;

export function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * Processes started for this run that outlived their group (browsers run in groups of their
 * own): every process but this one whose environment carries this run's hand-off. Linux only;
 * elsewhere none.
 */
export function processesOfRun(runId: string): number[] {
  if (process.platform !== 'linux') return [];
  const marker = `"run_id":"${runId}"`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(marker)) pids.push(Number(entry));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return pids;
}

/** SIGKILL to every process of the run but this one. */
export function killProcessesOfRun(runId: string): number[] {
  const pids = processesOfRun(runId);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

/**
 * Calls `onGone` once when the other end of the lifeline `fd` closes (the parent died or exited).
 * Never keeps the process alive by itself. An fd that is not a pipe counts as no lifeline.
 */
export function watchLifeline(fd: number, onGone: () => void): void {
  let socket: net.Socket;
  try {
    socket = new net.Socket({ fd, readable: true, writable: false });
  } catch {
    return;
  }
  let called = false;
  const gone = () => {
    if (called) return;
    called = true;
    onGone();
  };
  socket.once('end', gone);
  socket.once('close', gone);
  socket.once('error', gone);
  socket.resume();
  socket.unref();
}
