/**
 * Runs a list of benchmarks one after another: a progress line on stderr naming the one running,
 * its figures collected (a benchmark that fails gives a row saying why, and the others still run),
 * then the table on stdout with the machine it was taken on, and, when asked, the table written
 * to a folder as latest.json and latest.md. Everything a benchmark starts is stopped when it ends;
 * on SIGINT or SIGTERM every child is killed and the temporary folder removed.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { killAll } from '../lib/spawn-service.ts';
import { expectExit, ROOT, runCanaryProcess } from './canary-process.ts';
import { type Figure, missing } from './figure.ts';
import { commit, machine } from './machine.ts';
import { consoleTable, machineLine, markdownReport, type Report } from './render.ts';

export interface BenchContext {
  /** Fewer repeats and smaller counts: a smoke test of the benchmark, not its figures. */
  quick: boolean;
  /** A progress line on stderr, prefixed with the benchmark running. */
  progress(line: string): void;
  /** A new folder under the suite's temporary folder (removed at the end). */
  tempDir(name: string): string;
  /** A TMPDIR whose tsx and Playwright caches one unmeasured `canary run` has warmed (made once per suite). */
  warmTmp(): Promise<string>;
}

export interface Benchmark {
  /** Its name for --only. */
  name: string;
  /** What it measures, in a line. */
  title: string;
  run(ctx: BenchContext): Promise<Figure[]>;
}

export interface SuiteOptions {
  title: string;
  quick: boolean;
  /** Write latest.json and latest.md here. */
  outDir?: string;
}

export interface SuiteResult {
  figures: Figure[];
  /** Every benchmark gave its figures. */
  ok: boolean;
}

const clock = (ms: number) => {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
};

export async function runSuite(benchmarks: Benchmark[], options: SuiteOptions): Promise<SuiteResult> {
  const started = performance.now();
  const startedAt = new Date();
  const root = mkdtempSync(path.join(os.tmpdir(), 'canary-bench-'));
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`bench: ${signal}: stopping every child and removing ${root}\n`);
    killAll();
    rmSync(root, { recursive: true, force: true });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const taken = machine();
  process.stderr.write(`bench: ${options.title}${options.quick ? ' (--quick)' : ''}: ${benchmarks.map((b) => b.name).join(', ')}\n`);
  process.stderr.write(`bench: on ${machineLine(taken)}\n`);
  let dirs = 0;
  let warm: Promise<string> | null = null;
  let current = '';
  const ctx: BenchContext = {
    quick: options.quick,
    progress: (line) => process.stderr.write(`bench [${current}, ${clock(performance.now() - started)}] ${line}\n`),
    tempDir(name) {
      const dir = path.join(root, `${++dirs}-${name}`);
      mkdirSync(dir, { recursive: true });
      return dir;
    },
    warmTmp() {
      warm ??= (async () => {
        const dir = ctx.tempDir('warm');
        const tmpDir = path.join(dir, 'tmp');
        mkdirSync(tmpDir);
        ctx.progress('warming the caches: one canary run, not measured');
        expectExit(await runCanaryProcess({ label: 'the warm-up run', command: { canary: ['run'] }, reportsDir: path.join(dir, 'reports'), tmpDir }));
        return tmpDir;
      })();
      return warm;
    },
  };

  const figures: Figure[] = [];
  let ok = true;
  try {
    for (const [i, b] of benchmarks.entries()) {
      current = `${i + 1}/${benchmarks.length} ${b.name}`;
      ctx.progress(`started: ${b.title}`);
      const from = performance.now();
      try {
        const got = await b.run(ctx);
        figures.push(...got);
        ctx.progress(`done in ${clock(performance.now() - from)}: ${got.length} figures`);
      } catch (err) {
        ok = false;
        const message = (err as Error).message;
        process.stderr.write(`bench: ${b.name} failed: ${message}\n`);
        figures.push(missing(b.name, 'did not finish', 'count', `failed: ${message.split('\n')[0]}`));
      }
    }
  } finally {
    killAll();
    rmSync(root, { recursive: true, force: true });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  const report: Report = {
    title: options.title,
    generated_at: startedAt.toISOString(),
    mode: options.quick ? 'quick' : 'full',
    benchmarks: benchmarks.map((b) => b.name),
    duration_s: (performance.now() - started) / 1000,
    machine: taken,
    commit: commit(ROOT),
    figures,
  };
  console.log(`\n${options.title}${options.quick ? ' (--quick: fewer repeats, smaller counts)' : ''}`);
  console.log(`Machine: ${machineLine(taken)}`);
  console.log(`Each figure: the median of n samples, with their min and max; ratios are taken side by side in the same run.\n`);
  console.log(consoleTable(figures));
  if (options.outDir) {
    mkdirSync(options.outDir, { recursive: true });
    writeFileSync(path.join(options.outDir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(path.join(options.outDir, 'latest.md'), markdownReport(report));
    console.log(`\nwrote ${path.relative(process.cwd(), path.join(options.outDir, 'latest.json'))} and latest.md`);
  }
  return { figures, ok };
}
