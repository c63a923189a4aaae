/**
 * `canary merge-reports DIR...`: the report folders of every shard of one run (`canary run
 * --shard i/n`) become one run: a new folder with one HTML report (and results.json, junit.xml)
 * made by Playwright's merge-reports from the shards' blob reports, one summary.json, and
 * reports/latest pointing at it; then what follows every run (`afterRun`: history, the alert),
 * once. The shards to merge are simply the folders given: they must be every shard of one run
 * (same total, each index once, same --grep, trigger and commit), checked before anything is written.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Settings } from '../config/project.ts';
import { UserError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import { redact } from '../log/redact.ts';
import { finishRun } from './finish.ts';
import { newRunId } from './handoff.ts';
import { afterRun, type NotifyFlags } from './monitor.ts';
import { PLAYWRIGHT_CLI } from './run.ts';
import { BLOB_DIR, formatShard, type Shard } from './shard.ts';
import { buildSummary } from './summary.ts';
import { readSummaryFile } from './summary-file.ts';
import type { RunSummary, TestSummary } from './summary-schema.ts';

export interface MergeOptions {
  /** Cleanup errors fail the merged run (exit 1), as `canary run --strict-cleanup`. */
  strictCleanup?: boolean;
}

export interface MergeIo {
  out(line: string): void;
  log: Logger;
  /** Aborted when the merge must stop (stops Playwright's merge-reports). */
  signal?: AbortSignal;
}

export interface MergeResult {
  exitCode: number;
  summary: RunSummary;
  reportDir: string;
}

export interface ShardFolder {
  dir: string;
  summary: RunSummary & { shard: Shard };
  /** The shard's blob report files (none when Playwright never finished it). */
  blobs: string[];
}

/** How long Playwright's merge-reports may take before it is stopped. */
const MERGE_BOUND_MS = 5 * 60_000;

class ShardError extends UserError {}

/** The folder as given (named in errors), read from where it resolves. */
function readShard(given: string): ShardFolder {
  const dir = path.resolve(given);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ShardError(`${given}: no such folder (give each shard's report folder, reports/<run-id>)`);
  const read = readSummaryFile(dir, given);
  if ('problem' in read) throw new ShardError(read.problem);
  const summary = read.summary;
  if (!summary.shard) throw new ShardError(`${given}: run ${summary.run_id} is not a shard (it ran without --shard i/n)`);
  const blobDir = path.join(dir, BLOB_DIR);
  const blobs = existsSync(blobDir) ? readdirSync(blobDir).filter((f) => f.endsWith('.zip')) : [];
  return { dir, summary: { ...summary, shard: summary.shard }, blobs: blobs.map((f) => path.join(blobDir, f)) };
}

/** Every shard of one run, in shard order; a UserError naming the folder or the problem otherwise. */
export function readShards(dirs: string[]): ShardFolder[] {
  if (dirs.length === 0)
    throw new ShardError("give the report folder of every shard (canary merge-reports reports/<shard-1's run-id> reports/<shard-2's run-id> ...)");
  const shards = dirs.map(readShard);
  const first = shards[0]!;
  const given = (s: ShardFolder) => dirs[shards.indexOf(s)]!;
  const seen = new Map<number, ShardFolder>();
  for (const s of shards) {
    const { shard, grep, trigger, commit } = s.summary;
    if (shard.total !== first.summary.shard.total)
      throw new ShardError(
        `${given(s)}: shard ${formatShard(shard)}, but ${given(first)} is shard ${formatShard(first.summary.shard)}: the shards of one run have the same total`,
      );
    const twice = seen.get(shard.index);
    if (twice) throw new ShardError(`${given(s)}: shard ${formatShard(shard)} is given twice (also ${given(twice)})`);
    seen.set(shard.index, s);
    for (const [what, mine, theirs] of [
      ['--grep', grep, first.summary.grep],
      ['trigger', trigger, first.summary.trigger],
      ['commit', commit, first.summary.commit],
    ] as const) {
      if (mine !== theirs) throw new ShardError(`${given(s)}: ${what} ${mine ?? 'none'}, but ${given(first)} has ${theirs ?? 'none'}: not shards of one run`);
    }
  }
  const total = first.summary.shard.total;
  const missing = Array.from({ length: total }, (_, i) => i + 1).filter((i) => !seen.has(i));
  if (missing.length > 0) throw new ShardError(`shard ${missing.map((i) => `${i}/${total}`).join(', ')} missing: give the report folder of every shard`);
  return [...seen.values()].sort((a, b) => a.summary.shard.index - b.summary.shard.index);
}

/** The shard's artifacts (trace, screenshot, video), copied into the merged folder so it stands alone; paths relative to it. */
function copyArtifacts(t: TestSummary, from: string, reportDir: string, into: string): TestSummary['artifacts'] {
  const artifacts: TestSummary['artifacts'] = {};
  for (const [kind, rel] of Object.entries(t.artifacts) as [keyof TestSummary['artifacts'], string][]) {
    const source = path.join(from, rel);
    if (!existsSync(source)) continue;
    const target = path.join(into, rel);
    mkdirSync(path.dirname(target), { recursive: true });
    copyFileSync(source, target);
    artifacts[kind] = path.relative(reportDir, target);
  }
  return artifacts;
}

/** The one summary of the shards: counts and cleanup over all their tests, the outcome by the rule every run uses. */
export function mergedSummary(shards: ShardFolder[], runId: string, reportDir: string, tests: TestSummary[]): RunSummary {
  const summaries = shards.map((s) => s.summary);
  const first = summaries[0]!;
  const errors = summaries.flatMap((s) => s.errors.map((e) => `shard ${formatShard(s.shard)}: ${e}`));
  // A shard killed before it finished (its job timed out) still counts, as a failure.
  for (const s of summaries.filter((x) => x.outcome === 'running'))
    errors.push(`shard ${formatShard(s.shard)} (${s.run_id}) never finished: its summary.json is the last the reporter wrote`);
  const startedMs = Math.min(...summaries.map((s) => Date.parse(s.started_at)));
  const finishedMs = Math.max(...summaries.map((s) => (s.finished_at ? Date.parse(s.finished_at) : Date.parse(s.started_at) + s.duration_ms)));
  return buildSummary(
    {
      run_id: runId,
      trigger: first.trigger,
      deployer: summaries.find((s) => s.deployer)?.deployer ?? null,
      commit: first.commit,
      grep: first.grep,
      started_at: new Date(startedMs).toISOString(),
      report_dir: reportDir,
      timeout_ms: Math.max(...summaries.map((s) => s.timeout_ms)),
      shard: null,
      target: first.target,
      // The page every shard showed (a seed or a name gives them all the same one).
      checkout_variant: summaries.every((s) => JSON.stringify(s.checkout_variant ?? null) === JSON.stringify(first.checkout_variant ?? null))
        ? (first.checkout_variant ?? null)
        : null,
    },
    {
      tests,
      errors,
      finished_at: new Date(finishedMs).toISOString(),
      duration_ms: Math.max(0, finishedMs - startedMs),
      stopped: summaries.find((s) => s.stopped)?.stopped ?? null,
      stage: summaries.find((s) => s.stage)?.stage ?? null,
      deploy: summaries.find((s) => s.deploy)?.deploy ?? null,
      shards: summaries.map((s) => s.run_id),
    },
  );
}

/** Playwright's merge-reports over the blobs (one folder, as it wants), writing html/, results.json and junit.xml; bounded. */
async function mergeBlobs(blobs: string[], reportDir: string, io: MergeIo): Promise<void> {
  const blobDir = mkdtempSync(path.join(os.tmpdir(), 'canary-blobs-'));
  try {
    // Each shard names its file report-<hash>-<index>.zip; the shard's place keeps them apart regardless.
    for (const [i, blob] of blobs.entries()) copyFileSync(blob, path.join(blobDir, `${String(i).padStart(3, '0')}-${path.basename(blob)}`));
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!/^(STRIPE_|DEMO_APP_|SLACK_|CANARY_)/.test(k)) env[k] = v;
    const child = spawn(process.execPath, [PLAYWRIGHT_CLI, 'merge-reports', '--reporter', 'html,json,junit', blobDir], {
      cwd: reportDir,
      env: {
        ...env,
        FORCE_COLOR: '0',
        PLAYWRIGHT_HTML_OUTPUT_DIR: path.join(reportDir, 'html'),
        PLAYWRIGHT_HTML_OPEN: 'never',
        PLAYWRIGHT_JSON_OUTPUT_FILE: path.join(reportDir, 'results.json'),
        PLAYWRIGHT_JUNIT_OUTPUT_FILE: path.join(reportDir, 'junit.xml'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const tail: string[] = [];
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        tail.push(redact(line));
        if (tail.length > 5) tail.shift();
      });
    }
    const kill = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const bound = setTimeout(kill, MERGE_BOUND_MS);
    io.signal?.addEventListener('abort', kill, { once: true });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (c) => resolve(c));
    }).finally(() => {
      clearTimeout(bound);
      io.signal?.removeEventListener('abort', kill);
    });
    // The tests' results stand without the HTML report: a failed merge is said, not made a test failure.
    if (code !== 0) io.log.warn(`Playwright's merge-reports exited with ${code}; the HTML report may be incomplete: ${tail.join(' | ')}`);
  } finally {
    rmSync(blobDir, { recursive: true, force: true });
  }
}

/** Merges the shards' folders into a new run folder under CANARY_REPORTS_DIR and points reports/latest at it. */
export async function mergeShards(dirs: string[], options: MergeOptions, settings: Pick<Settings, 'config'>, io: MergeIo): Promise<MergeResult> {
  const shards = readShards(dirs);
  const runId = newRunId();
  const reportsDir = settings.config.CANARY_REPORTS_DIR;
  const reportDir = path.join(reportsDir, runId);
  await mkdir(reportDir, { recursive: true });
  const tests = shards.flatMap((s) =>
    s.summary.tests.map((t) => ({ ...t, artifacts: copyArtifacts(t, s.dir, reportDir, path.join(reportDir, 'shards', s.summary.run_id)) })),
  );
  for (const s of shards.filter((x) => x.blobs.length === 0))
    io.log.warn(`shard ${formatShard(s.summary.shard)} (${s.dir}) has no blob report (Playwright never finished it): its tests are not in the HTML report`);
  const blobs = shards.flatMap((s) => s.blobs);
  if (blobs.length > 0) await mergeBlobs(blobs, reportDir, io);
  const summary = mergedSummary(shards, runId, reportDir, tests);
  return { exitCode: await finishRun(summary, reportDir, io.out, { strictCleanup: options.strictCleanup }), summary, reportDir };
}

/** The merge, then what follows every run, once for the whole run. */
export async function mergeAndNotify(
  dirs: string[],
  options: MergeOptions,
  flags: NotifyFlags,
  settings: Settings,
  io: MergeIo,
): Promise<MergeResult & Awaited<ReturnType<typeof afterRun>>> {
  const result = await mergeShards(dirs, options, settings, io);
  return { ...result, ...(await afterRun(result.summary, result.reportDir, flags, settings, io)) };
}
