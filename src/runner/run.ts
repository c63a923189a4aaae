/**
 * One monitoring run end to end: start what is not configured, run the Playwright specs, write
 * reports/<run-id>/ (HTML report, JSON results, JUnit XML, summary.json) and reports/latest,
 * print a short summary, stop what was started, and answer the exit code.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { newRunId } from '../../fixtures/run.fixture.ts';
import { assertTestKey } from '../stripe/client.ts';
import { redact, registerSecret } from '../log/redact.ts';
import { exitCodeOf, formatSummary, summariseRun, type PwReport, type RunSummary } from './summary.ts';
import { startTargets } from './targets.ts';
import type { Config } from '../config/config.ts';
import type { Logger } from '../log/logger.ts';

export type Trigger = 'manual' | 'post-deploy' | 'schedule';

/** What a run checks unless told otherwise: the upgrade journey, the suite of post-deploy and scheduled runs. */
export const DEFAULT_GREP = '@critical';

export interface RunOptions {
  trigger: Trigger;
  deployer?: string;
  commit?: string;
  grep?: string;
  workers?: number;
  repeatEach?: number;
  retries?: number;
  headed?: boolean;
}

export interface RunIo {
  out(line: string): void;
  log: Logger;
}

export interface RunResult {
  exitCode: number;
  summary: RunSummary | null;
  reportDir: string;
}

const ROOT = path.resolve(import.meta.dirname, '../..');
const PLAYWRIGHT_CLI = createRequire(import.meta.url).resolve('@playwright/test/cli');

function playwrightArgs(o: RunOptions): string[] {
  const args = ['test', '--config', path.join(ROOT, 'playwright.config.ts')];
  if (o.grep) args.push('--grep', o.grep);
  if (o.workers) args.push('--workers', String(o.workers));
  if (o.repeatEach) args.push('--repeat-each', String(o.repeatEach));
  if (o.retries !== undefined) args.push('--retries', String(o.retries));
  if (o.headed) args.push('--headed');
  return args;
}

/** Runs Playwright in a child process (the embedded services keep serving in this one), output redacted. */
function runPlaywright(args: string[], env: NodeJS.ProcessEnv, out: (line: string) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PLAYWRIGHT_CLI, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream }).on('line', (line) => out(redact(line)));
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

export async function runCanary(given: RunOptions, config: Config, io: RunIo): Promise<RunResult> {
  const options = { ...given, grep: given.grep ?? DEFAULT_GREP };
  // A monitor must never run with a live key: refused before any request is made.
  assertTestKey(config.STRIPE_SECRET_KEY);
  registerSecret(config.DEMO_APP_ADMIN_TOKEN);
  const runId = newRunId();
  const reportsDir = path.resolve(ROOT, config.CANARY_REPORTS_DIR);
  const reportDir = path.join(reportsDir, runId);
  await mkdir(reportDir, { recursive: true });
  const started = new Date();
  const targets = await startTargets(config, io.log);
  let summary: RunSummary | null = null;
  try {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      CANARY_RUN_ID: runId,
      CANARY_TRIGGER: options.trigger,
      CANARY_DEPLOYER: options.deployer ?? '',
      CANARY_COMMIT: options.commit ?? '',
      CANARY_REPORT_DIR: reportDir,
      CANARY_HEADED: options.headed ? '1' : '0',
      CANARY_FULFILMENT_TIMEOUT_MS: String(config.CANARY_FULFILMENT_TIMEOUT_MS),
      STRIPE_SECRET_KEY: targets.stripe.secretKey,
      STRIPE_API_URL: targets.stripe.apiUrl ?? '',
      DEMO_APP_URL: targets.app.url,
      DEMO_APP_ADMIN_TOKEN: targets.app.adminToken,
      FORCE_COLOR: '0',
    };
    const code = await runPlaywright(playwrightArgs(options), env, io.out);
    const resultsFile = path.join(reportDir, 'results.json');
    if (!existsSync(resultsFile)) throw new Error(`Playwright exited with ${code} and wrote no results (${resultsFile})`);
    const report = JSON.parse(readFileSync(resultsFile, 'utf8')) as PwReport;
    summary = summariseRun(
      report,
      {
        run_id: runId,
        trigger: options.trigger,
        deployer: options.deployer ?? null,
        commit: options.commit ?? null,
        grep: options.grep ?? null,
        started_at: started.toISOString(),
        duration_ms: Date.now() - started.getTime(),
        target: { stripe: targets.stripe.kind, stripe_api_url: targets.stripe.apiUrl ?? null, app: targets.app.kind, app_url: targets.app.url },
        links: {
          report: path.join(reportDir, 'html', 'index.html'),
          results: resultsFile,
          junit: path.join(reportDir, 'junit.xml'),
          app: targets.app.url,
          stripe: targets.stripe.kind === 'stripe' ? 'https://dashboard.stripe.com/test' : (targets.stripe.apiUrl ?? ''),
        },
      },
      reportDir,
    );
  } finally {
    await targets.stop();
  }
  summary.duration_ms = Date.now() - started.getTime();
  await writeFile(path.join(reportDir, 'summary.json'), redact(JSON.stringify(summary, null, 2)) + '\n');
  // Swapped in atomically (a new link renamed over the old one): concurrent runs may finish together.
  const next = path.join(reportsDir, `.latest-${runId}`);
  await rm(next, { force: true });
  await symlink(runId, next);
  await rename(next, path.join(reportsDir, 'latest'));
  io.out(formatSummary(summary, path.relative(process.cwd(), reportDir) || reportDir));
  return { exitCode: exitCodeOf(summary.outcome), summary, reportDir };
}
