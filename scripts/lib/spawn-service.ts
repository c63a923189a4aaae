/**
 * Servers a benchmark starts in child processes: a `canary` subcommand (waiting for its
 * "listening on URL" line) or any command with its own ready line (a peer from npm). Every child
 * started here is remembered until it exits, so a benchmark stopped by a signal can stop them all.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface Service {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

const BIN = path.resolve(import.meta.dirname, '../../bin/canary.js');

/** Children still running, with whether they lead a process group of their own. */
const live = new Map<ChildProcess, { group: boolean }>();

/** Remembers `child` until it exits; `group` when it was spawned detached (its group is killed too). */
export function track(child: ChildProcess, group: boolean): void {
  live.set(child, { group });
  child.once('exit', () => live.delete(child));
}

/** SIGKILL to every child started here that is still running (and its group where it has one). */
export function killAll(): void {
  for (const [child, { group }] of live) {
    try {
      if (group && child.pid) process.kill(-child.pid, 'SIGKILL');
      else child.kill('SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/** `taskset -c CPU` when available, so a benchmark can give a service one core of its own. */
export function pinned(cpu: number | undefined, cmd: string[]): string[] {
  if (cpu === undefined) return cmd;
  const ok = spawnSync('taskset', ['-c', String(cpu), 'true']).status === 0;
  return ok ? ['taskset', '-c', String(cpu), ...cmd] : cmd;
}

export interface CommandOptions {
  /** What the command prints once it serves; `url` makes its URL from the match. */
  ready: RegExp;
  url: (match: RegExpExecArray) => string;
  env?: NodeJS.ProcessEnv;
  cpu?: number;
  timeoutMs?: number;
  /** How the errors name it. */
  name: string;
}

/** Starts `cmd` and waits (bounded) for its ready line on stdout or stderr. */
export async function startCommand(cmd: string[], options: CommandOptions): Promise<Service> {
  const [file, ...rest] = pinned(options.cpu, cmd);
  const child = spawn(file!, rest, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
  track(child, false);
  const timeoutMs = options.timeoutMs ?? 15_000;
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${options.name} did not report it was serving within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    let ready = false;
    // Read to the end (a full pipe would stall the server), but keep nothing once it serves.
    const onData = (chunk: Buffer) => {
      if (ready) return;
      output += chunk.toString();
      const m = options.ready.exec(output);
      if (m) {
        ready = true;
        clearTimeout(timer);
        resolve(options.url(m));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${options.name} could not start: ${err.message}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${options.name} exited with ${code} before serving:\n${output}`));
    });
  });
  return {
    url,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        // Bounded: SIGKILL when SIGTERM has not stopped it within 10 s.
        const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** Starts `canary ARGS` (e.g. `stripe-emulator --port 0`) and waits for its "listening on URL" line. */
export function startService(args: string[], options: { cpu?: number; timeoutMs?: number } = {}): Promise<Service> {
  return startCommand([process.execPath, BIN, ...args], {
    ...options,
    ready: /listening on (http:\/\/\S+)/,
    url: (m) => m[1]!,
    name: `canary ${args[0]}`,
  });
}
