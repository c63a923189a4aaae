/** Starts a `canary` subcommand in a child process and waits for its "listening on URL" line. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface Service {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

const BIN = path.resolve(import.meta.dirname, '../../bin/canary.js');

/** `taskset -c CPU` when available, so a benchmark can give a service one core of its own. */
export function pinned(cpu: number | undefined, cmd: string[]): string[] {
  if (cpu === undefined) return cmd;
  const ok = spawnSync('taskset', ['-c', String(cpu), 'true']).status === 0;
  return ok ? ['taskset', '-c', String(cpu), ...cmd] : cmd;
}

export async function startService(args: string[], options: { cpu?: number; timeoutMs?: number } = {}): Promise<Service> {
  const [cmd, ...rest] = pinned(options.cpu, [process.execPath, BIN, ...args]);
  const child = spawn(cmd!, rest, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`canary ${args[0]} did not report listening within ${options.timeoutMs ?? 15000} ms:\n${output}`));
    }, options.timeoutMs ?? 15000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`canary ${args[0]} exited with ${code} before listening:\n${output}`));
    });
  });
  return {
    url,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
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
