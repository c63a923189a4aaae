/**
 * End-to-end benchmark of the monitor itself, each run a child process as a scheduler would
 * start it:
 *   1. `npm run e2e` (`canary run` with its defaults: the @critical suite), wall
 *      clock from spawn to exit, set-up step (pree2e) included; N runs.
 *   2. the @critical upgrade test's duration_ms, from the summary.json of each of those runs.
 *   3. `canary run --grep @extended` once: wall clock, and the sum and max of its tests'
 *      duration_ms ("no @extended tests" while none exist).
 *   4. with --stability: `canary run --grep @critical --repeat-each 30`: passed/total, p50/p95.
 * Every run must exit 0 for its figures to count; one that does not stops the benchmark, which
 * says which run failed and exits 1. (In the stability run, failed repeats are the measurement:
 * the row shows them, and the benchmark then exits 1.) Reports go to a temporary folder,
 * removed at the end; the children log at warn.
 *
 *   npm run bench:e2e [-- --runs 5] [-- --stability]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { RunSummary } from '../src/runner/summary-schema.ts';
import { stats } from './lib/stats.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const CANARY = [process.execPath, path.join(ROOT, 'bin/canary.js')];
const AIMS = { e2e: 20_000, upgrade: 6_000 };
const REPEAT_EACH = 30;

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, stability: { type: 'boolean', default: false } } });
if (!/^\d+$/.test(values.runs) || Number(values.runs) < 1) {
  console.error(`--runs must be a whole number of at least 1 (got '${values.runs}')`);
  process.exit(2);
}
const runs = Number(values.runs);

const reportsDir = mkdtempSync(path.join(os.tmpdir(), 'canary-bench-e2e-'));
const env: NodeJS.ProcessEnv = { ...process.env, CANARY_REPORTS_DIR: reportsDir, CANARY_LOG_LEVEL: 'warn' };
process.once('SIGINT', () => {
  rmSync(reportsDir, { recursive: true, force: true });
  process.exit(130);
});

class RunFailed extends Error {
  override readonly name = 'RunFailed';
}

interface Run {
  label: string;
  code: number;
  wallMs: number;
  output: string;
  summary: RunSummary | null;
}

/** Runs a command in the project folder, timing spawn to exit, and reads the summary.json its `report:` line names. */
function timed(label: string, cmd: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd[0]!, cmd.slice(1), { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('error', (err) => reject(new RunFailed(`${label} could not start: ${err.message}`)));
    child.once('close', (code, signal) => {
      const wallMs = performance.now() - started;
      // The summary's folder from the run's own output: reports/latest is racy with concurrent runs.
      const report = /^ {2}report: (.+)$/m.exec(output)?.[1];
      let summary: RunSummary | null = null;
      if (report) {
        try {
          summary = JSON.parse(readFileSync(path.resolve(ROOT, report, 'summary.json'), 'utf8')) as RunSummary;
        } catch {
          summary = null;
        }
      }
      resolve({ label, code: code ?? (signal ? 128 : 1), wallMs, output, summary });
    });
  });
}

function failure(run: Run, why: string): RunFailed {
  const tail = run.output.trimEnd().split('\n').slice(-25).join('\n');
  return new RunFailed(`${run.label} ${why}; its figures do not count. Its output ended:\n${tail}`);
}

/** A run that counts: exit 0 and a summary.json. */
function counted(run: Run): RunSummary {
  if (run.code !== 0) throw failure(run, `exited with ${run.code}`);
  if (!run.summary) throw failure(run, 'printed no "report:" line naming a readable summary.json');
  return run.summary;
}

const ms = (x: number) => x.toFixed(0);
const within = (xs: number[], aim: number) => {
  const over = xs.filter((x) => x > aim).length;
  return over === 0 ? `met (${xs.length}/${xs.length} within)` : `not met (${over}/${xs.length} over)`;
};

type Row = [measure: string, runs: string, p50: string, max: string, aim: string, result: string];
const rows: Row[] = [];

try {
  const cpus = os.cpus();
  console.log(`End-to-end benchmark of checkout-canary: each run a child process, reports in a temporary folder, CANARY_LOG_LEVEL=warn`);
  console.log(
    `Machine: ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average ${os.loadavg()[0]!.toFixed(2)} at start`,
  );

  const wall: number[] = [];
  const upgrade: number[] = [];
  let flaky = 0;
  for (let i = 1; i <= runs; i++) {
    const run = await timed(`run ${i} of ${runs} (npm run e2e)`, ['npm', 'run', 'e2e']);
    const summary = counted(run);
    const test = summary.tests.find((t) => t.title.includes('@critical'));
    if (!test) throw failure(run, 'ran no test whose title contains @critical');
    if (test.outcome === 'flaky') flaky++;
    wall.push(run.wallMs);
    upgrade.push(test.duration_ms);
    console.error(`  ${run.label}: ${ms(run.wallMs)} ms, upgrade test ${test.duration_ms} ms`);
  }
  const w = stats(wall);
  const u = stats(upgrade);
  rows.push([
    '1. `npm run e2e` wall (the @critical suite; set-up step, services, browser included)',
    String(runs),
    ms(w.p50),
    ms(w.max),
    `<= ${AIMS.e2e}`,
    within(wall, AIMS.e2e),
  ]);
  rows.push([
    "2. upgrade test (@critical) duration_ms, from those runs' summary.json",
    String(runs),
    ms(u.p50),
    ms(u.max),
    `<= ${AIMS.upgrade}`,
    within(upgrade, AIMS.upgrade) + (flaky ? `; ${flaky} flaky (duration is all attempts)` : ''),
  ]);

  const extended = await timed('the @extended run (canary run --grep @extended)', [...CANARY, 'run', '--grep', '@extended']);
  const noTests = extended.summary?.tests.length === 0 && /No tests found/.test(extended.output);
  if (noTests) {
    rows.push(['3. `canary run --grep @extended` wall', '1', '—', '—', '—', 'no @extended tests']);
  } else {
    const summary = counted(extended);
    const durations = summary.tests.map((t) => t.duration_ms);
    console.error(`  ${extended.label}: ${ms(extended.wallMs)} ms, ${durations.length} tests`);
    rows.push([
      '3. `canary run --grep @extended` wall',
      '1',
      ms(extended.wallMs),
      ms(extended.wallMs),
      '—',
      `${durations.length} tests: duration_ms sum ${durations.reduce((a, b) => a + b, 0)}, max ${Math.max(...durations)}`,
    ]);
  }

  if (values.stability) {
    const run = await timed(`the stability run (canary run --grep @critical --repeat-each ${REPEAT_EACH})`, [
      ...CANARY,
      'run',
      '--grep',
      '@critical',
      '--repeat-each',
      String(REPEAT_EACH),
    ]);
    // Failed repeats are what this row measures, so a non-zero exit still reports, then fails the benchmark.
    if (!run.summary || run.summary.tests.length === 0) throw failure(run, `exited with ${run.code} and ran no tests`);
    const tests = run.summary.tests;
    const s = stats(tests.map((t) => t.duration_ms));
    const passed = run.summary.counts.passed;
    console.error(`  ${run.label}: ${passed}/${tests.length} passed in ${ms(run.wallMs)} ms`);
    rows.push([
      `4. stability: \`canary run --grep @critical --repeat-each ${REPEAT_EACH}\`, test duration_ms`,
      String(tests.length),
      ms(s.p50),
      ms(s.max),
      '—',
      `${passed}/${tests.length} passed; p95 ${ms(s.p95)}; wall ${ms(run.wallMs)}` + (run.code !== 0 ? `; exited with ${run.code}` : ''),
    ]);
    if (run.code !== 0) process.exitCode = 1;
  }

  const header: Row = ['measure', 'runs', 'p50 ms', 'max ms', 'aim ms', 'result'];
  const widths = header.map((_, c) => Math.max(...[header, ...rows].map((r) => r[c]!.length)));
  const line = (r: Row) => `| ${r.map((cell, c) => (c >= 1 && c <= 4 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join(' | ')} |`;
  console.log('');
  console.log(line(header));
  console.log(`|${widths.map((n, c) => (c >= 1 && c <= 4 ? `${'-'.repeat(n + 1)}:` : '-'.repeat(n + 2))).join('|')}|`);
  for (const r of rows) console.log(line(r));
} catch (err) {
  if (!(err instanceof RunFailed)) throw err;
  console.error(err.message);
  process.exitCode = 1;
} finally {
  rmSync(reportsDir, { recursive: true, force: true });
}
