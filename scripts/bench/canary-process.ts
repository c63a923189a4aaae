/**
 * One `canary run` (or `npm run e2e`) as a scheduler would start it: a child process in its own
 * process group, against the embedded targets (the caller's STRIPE_*, DEMO_APP_*, SLACK_* and
 * CANARY_* variables are not passed on, CANARY_CHROMIUM excepted, and it runs in a folder with no
 * .env), its reports in the folder given, bounded (the group is killed past the bound), timed
 * from spawn to exit, with the peak memory of its whole process tree, and its summary.json read
 * from the folder its `report:` line names.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runSummarySchema, type RunSummary } from '../../src/runner/summary-schema.ts';
import { track } from '../lib/spawn-service.ts';
import { sampleTree } from './process-tree.ts';

export const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/canary.js');

export interface CanaryProcess {
  /** How the progress lines and errors name it. */
  label: string;
  /** `canary ARGS` (e.g. `['run', '--grep', '@critical']`), or `npm run e2e` with its set-up step. */
  command: { canary: string[] } | 'npm run e2e';
  reportsDir: string;
  /** The child's TMPDIR (where tsx and Playwright keep their transform caches); the caller's when absent. */
  tmpDir?: string;
  /** Variables added to the child's environment. */
  env?: NodeJS.ProcessEnv;
  /** Kill the group after this long (default 6 minutes). */
  boundMs?: number;
  /** Sample the process tree's memory (every 100 ms). */
  memory?: boolean;
  /** Each line it prints on stderr, as it comes (progress). */
  onStderrLine?: (line: string) => void;
}

export interface CanaryExit {
  label: string;
  code: number | null;
  signal: string | null;
  wallMs: number;
  /** Wall-clock (epoch ms) at spawn and at exit, to set against summary.json's times. */
  spawnedAt: number;
  exitedAt: number;
  /** The peak RSS of the whole process tree, in bytes; null when not sampled. */
  peakBytes: number | null;
  /** stdout and stderr as they came, and stdout alone. */
  output: string;
  stdout: string;
  reportDir: string | null;
  summary: RunSummary | null;
}

export class RunFailed extends Error {
  override readonly name = 'RunFailed';
}

/** The benchmark's children see no configuration of the caller's that would point them elsewhere. */
function childEnv(p: CanaryProcess): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(STRIPE_|DEMO_APP_|SLACK_|CANARY_)/.test(k) || k === 'CANARY_CHROMIUM') env[k] = v;
  return { ...env, CANARY_REPORTS_DIR: p.reportsDir, CANARY_LOG_LEVEL: 'warn', ...(p.tmpDir && { TMPDIR: p.tmpDir }), ...p.env };
}

export function runCanaryProcess(p: CanaryProcess): Promise<CanaryExit> {
  // `npm run e2e` must run in the project; `canary` runs beside the reports, away from any .env.
  const cwd = p.command === 'npm run e2e' ? ROOT : path.join(p.reportsDir, '.cwd');
  mkdirSync(cwd, { recursive: true });
  const [file, ...args] = p.command === 'npm run e2e' ? ['npm', 'run', 'e2e'] : [process.execPath, BIN, ...p.command.canary];
  const boundMs = p.boundMs ?? 6 * 60_000;
  return new Promise((resolve, reject) => {
    const spawnedAt = Date.now();
    const started = performance.now();
    const child = spawn(file!, args, { cwd, env: childEnv(p), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    track(child, true);
    const sampler = p.memory && child.pid ? sampleTree(child.pid) : null;
    let output = '';
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      output += c.toString();
      if (p.onStderrLine) for (const line of c.toString().split('\n')) if (line.trim()) p.onStderrLine(line.trimEnd());
    });
    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const bound = setTimeout(() => {
      killGroup();
      reject(new RunFailed(`${p.label} did not finish within ${boundMs / 1000} s; it was killed. Its output ended:\n${tail(output)}`));
    }, boundMs);
    child.once('error', (err) => {
      clearTimeout(bound);
      sampler?.stop();
      reject(new RunFailed(`${p.label} could not start: ${err.message}`));
    });
    child.once('close', (code, signal) => {
      const wallMs = performance.now() - started;
      const exitedAt = Date.now();
      clearTimeout(bound);
      const peakBytes = sampler?.stop() ?? null;
      killGroup(); // anything the run left behind in its group
      const report = /^\s*report: (.+)$/m.exec(output)?.[1]?.trim();
      const reportDir = report ? path.resolve(cwd, report) : null;
      resolve({ label: p.label, code, signal, wallMs, spawnedAt, exitedAt, peakBytes, output, stdout, reportDir, summary: readSummary(reportDir) });
    });
  });
}

function readSummary(reportDir: string | null): RunSummary | null {
  const file = reportDir && path.join(reportDir, 'summary.json');
  if (!file || !existsSync(file)) return null;
  const parsed = runSummarySchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  return parsed.success ? parsed.data : null;
}

const tail = (output: string) => output.trimEnd().split('\n').slice(-20).join('\n');

/** The run's summary when it exited with `code` (0 by default) and wrote one; otherwise a RunFailed that says why and shows its last lines. */
export function expectExit(run: CanaryExit, code = 0): RunSummary {
  const why =
    run.code !== code
      ? `exited with ${run.code ?? run.signal} (expected ${code})`
      : !run.summary
        ? 'printed no "report:" line naming a readable summary.json'
        : null;
  if (why) throw new RunFailed(`${run.label} ${why}; its figures do not count. Its output ended:\n${tail(run.output)}`);
  return run.summary!;
}
