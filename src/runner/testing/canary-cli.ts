/**
 * Test helper: the real `canary` command in child processes, as users run it — each in its own
 * process group, bounded, killed at teardown, in a folder with no .env, its reports under a
 * temporary folder. A `canary run`'s summary.json is validated against the schema, and its output
 * and report folder are searched for secrets after every run.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startCountingServer } from '../../testing/counting-server.ts';
import { runSummarySchema, type RunSummary, type TestSummary } from '../summary-schema.ts';
import { secretsIn } from './report-texts.ts';

const BIN = path.resolve(import.meta.dirname, '../../../bin/canary.js');
/** Anything that looks like a Stripe key, webhook secret or Slack token, redacted or not. */
export const SECRET_PATTERNS = [
  /\b(sk|rk)_(test|live)_(?!\[REDACTED\])[A-Za-z0-9]{6,}/,
  /\bwhsec_(?!\[REDACTED\])[A-Za-z0-9]{6,}/,
  /\bxox[abpre]-(?!\[REDACTED\])[A-Za-z0-9-]{6,}/,
];
/** The bound on one child in these tests. */
const BOUND_MS = 150_000;

export interface Finished {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  reportDir: string | null;
  summary: RunSummary | null;
}

/** What a child inherits: nothing that would point it at another Stripe, app or Slack. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(STRIPE_|DEMO_APP_|CANARY_|SLACK_)/.test(k)) env[k] = v;
  return env;
}

function killGroup(child: ChildProcess): void {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

export function explain(r: Finished): string {
  const tests = r.summary?.tests.map((t) => ({ outcome: t.outcome, stage: t.stage, step: t.failed_step, error: t.error }));
  return `exit ${r.code} ${r.signal ?? ''}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-2000)}\n--- summary\n${JSON.stringify(tests, null, 1)}`;
}

/** No secret in what the command printed, nor anywhere in its report folder (zipped traces included). */
export function assertNoSecrets(r: Finished, known: string[]): void {
  const secrets = [...known, ...SECRET_PATTERNS];
  for (const s of secrets) {
    assert.ok(
      !(typeof s === 'string' ? r.stdout.includes(s) || r.stderr.includes(s) : s.test(r.stdout) || s.test(r.stderr)),
      `${String(s)} appears in the output`,
    );
  }
  if (r.reportDir) assert.deepEqual(secretsIn(r.reportDir, secrets), [], 'secrets found in the report folder');
}

/** The summary's only test, after checking the run's exit code. */
export function onlyTest(r: Finished, code: number | null): TestSummary {
  assert.equal(r.code, code, explain(r));
  assert.ok(r.summary, `summary.json is written\n${explain(r)}`);
  assert.equal(r.summary.tests.length, 1, explain(r));
  return r.summary.tests[0]!;
}

/** True when nothing listens on the URL's port any more. */
export function portClosed(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(u.port), u.hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

/** The processes whose parent is `pid` (from /proc). */
export function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // pid (comm) state ppid …: comm may hold spaces and parentheses, so read after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) children.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return children;
}

/** A process group is gone when signal 0 to it fails. */
export function groupGone(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return false;
  } catch {
    return true;
  }
}

/** Waits (bounded) until `check` holds, polling every 100 ms; the error says what was awaited and what was seen last. */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not happen within ${ms / 1000} s${last ? `; last error: ${(last as Error).message}` : ''}`);
}

/**
 * Runs `canary ARGS` once with a live secret key and once with a live restricted key, pointed at a
 * server that counts requests: each must exit 2 saying the key is live, never print it, and make
 * no request at all. `env` adds what the command needs besides the key (given the server's URL).
 */
export async function assertLiveKeysRefused(cli: CanaryCli, args: string[], env: (url: string) => NodeJS.ProcessEnv): Promise<Finished[]> {
  const server = await startCountingServer();
  try {
    const url = server.url;
    const results: Finished[] = [];
    for (const key of ['sk_live_51DoNotUseThisLiveKey', 'rk_live_51DoNotUseThisRestrictedKey']) {
      const r = await cli.command(args, { ...env(url), STRIPE_SECRET_KEY: key });
      assert.equal(r.code, 2, explain(r));
      assert.match(r.stderr, /live-mode key/, 'the message says the key is live');
      assert.ok(!r.stderr.includes(key) && !r.stdout.includes(key), 'the key is not printed');
      results.push(r);
    }
    assert.equal(server.requests(), 0, 'no request reached Stripe or the app');
    return results;
  } finally {
    server.close();
  }
}

export interface CanaryCli {
  reportsDir: string;
  /** `canary run ARGS`; `started` gets the child as soon as it runs (to signal it). */
  run(args: string[], env?: NodeJS.ProcessEnv, started?: (child: ChildProcess) => void): Promise<Finished>;
  /**
   * Any `canary` command, e.g. `['prune', '--json']`. With `underShell`, as `npx` starts it: a
   * shell is the child (`started` gets the shell), and `canary` the shell's child.
   */
  command(args: string[], env?: NodeJS.ProcessEnv, started?: (child: ChildProcess) => void, options?: { underShell?: boolean }): Promise<Finished>;
  /** The run folders under the reports folder now. */
  runDirs(): Set<string>;
  /** The run folder that appeared since `known` was taken. */
  newRunDir(known: Set<string>): string | null;
  /** Waits (bounded) until `check` holds for the summary.json in the folder `dir()` names, read as the reporter writes it. */
  waitForSummary(dir: () => string | null, check: (s: RunSummary) => boolean, what: string, ms?: number): Promise<RunSummary>;
  /** Kills what is still running and removes the folders. */
  close(): void;
}

/** `boundMs`: the bound on each command (default 150 s), longer for a long-running one such as `canary schedule`. */
export function canaryCli(options: { boundMs?: number } = {}): CanaryCli {
  const boundMs = options.boundMs ?? BOUND_MS;
  const reportsDir = mkdtempSync(path.join(os.tmpdir(), 'canary-reports-'));
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'canary-cwd-'));
  const children = new Set<ChildProcess>();

  function command(
    args: string[],
    env: NodeJS.ProcessEnv = {},
    started?: (child: ChildProcess) => void,
    options: { underShell?: boolean } = {},
  ): Promise<Finished> {
    return new Promise((resolve, reject) => {
      // The shell runs canary and then one more command, so it stays canary's parent (no exec).
      const [program, argv] = options.underShell
        ? ['sh', ['-c', '"$0" "$@"; echo "sh: canary exited $?"', process.execPath, BIN, ...args]]
        : [process.execPath, [BIN, ...args]];
      const child = spawn(program, argv, {
        cwd: workDir,
        env: { ...cleanEnv(), CANARY_REPORTS_DIR: reportsDir, CANARY_LOG_LEVEL: 'warn', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      children.add(child);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const bound = setTimeout(() => {
        killGroup(child);
        reject(new Error(`canary ${args.join(' ')} did not finish within ${boundMs / 1000} s:\n${stdout.slice(-3000)}\n${stderr.slice(-2000)}`));
      }, boundMs);
      child.once('error', reject);
      started?.(child);
      child.once('close', (code, signal) => {
        clearTimeout(bound);
        children.delete(child);
        try {
          const m = args[0] === 'run' ? /^\s*report: (.+)$/m.exec(stdout) : null;
          const reportDir = m ? path.resolve(workDir, m[1]!.trim()) : null;
          const summaryFile = reportDir && path.join(reportDir, 'summary.json');
          const summary = summaryFile && existsSync(summaryFile) ? runSummarySchema.parse(JSON.parse(readFileSync(summaryFile, 'utf8'))) : null;
          const r: Finished = { code, signal, stdout, stderr, reportDir, summary };
          const live = (x: string | undefined): x is string => !!x && !/^(sk|rk)_live_/.test(x);
          assertNoSecrets(r, [env.STRIPE_SECRET_KEY, env.DEMO_APP_ADMIN_TOKEN, env.STRIPE_WEBHOOK_SECRET, env.SLACK_BOT_TOKEN].filter(live));
          resolve(r);
        } catch (err) {
          reject(err);
        }
      });
    });
  }

  const runDirs = () => new Set(readdirSync(reportsDir).filter((d) => d.startsWith('canary_')));
  return {
    reportsDir,
    command,
    run: (args, env, started) => command(['run', ...args], env, started),
    runDirs,
    newRunDir(known) {
      const fresh = [...runDirs()].filter((d) => !known.has(d));
      return fresh.length === 1 ? path.join(reportsDir, fresh[0]!) : null;
    },
    waitForSummary(dir, check, what, ms = 60_000) {
      return waitFor(
        `summary.json showing ${what}`,
        () => {
          const d = dir();
          const file = d && path.join(d, 'summary.json');
          if (!file || !existsSync(file)) return undefined;
          const s = runSummarySchema.parse(JSON.parse(readFileSync(file, 'utf8')));
          return check(s) ? s : undefined;
        },
        ms,
      );
    },
    close() {
      for (const child of children) killGroup(child);
      rmSync(reportsDir, { recursive: true, force: true });
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}
