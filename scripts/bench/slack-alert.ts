/**
 * The Slack notifier: how long after a failed run the alert, and then its screenshot, are in
 * Slack. A `canary run` failing on purpose (the demo app's `checkout-500` fault, embedded targets)
 * alerts into the Slack emulator (`canary slack-emulator`, its own process); each run has a fresh
 * channel and alert state, so each is a first failure that alerts. Measured from the run's
 * `finished_at` (summary.json) to the `ts` the emulator stamped on the alert and on the message
 * that carries the screenshot in its thread (one clock: this machine's), which the benchmark
 * polls `/_emulator/messages` for, bounded. The run's exit after its alert is given too.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { MessageRecord } from '../../src/emulators/slack/index.ts';
import { startService } from '../lib/spawn-service.ts';
import { expectExit, RunFailed, runCanaryProcess } from './canary-process.ts';
import { figure } from './figure.ts';
import type { Benchmark, BenchContext } from './suite.ts';

const TOKEN = 'xoxb-canary-bench-0123456789';
const POLL_BOUND_MS = 30_000;

/** Waits (bounded) until the channel holds an alert and the screenshot in its thread. */
async function alertAndScreenshot(slackUrl: string, channel: string): Promise<{ alert: MessageRecord; screenshot: MessageRecord }> {
  const deadline = performance.now() + POLL_BOUND_MS;
  let seen: MessageRecord[] = [];
  while (performance.now() < deadline) {
    seen = (await (await fetch(`${slackUrl}/_emulator/messages?channel=${channel}`)).json()) as MessageRecord[];
    const alert = seen.find((m) => !m.thread_ts);
    const screenshot = alert && seen.find((m) => m.thread_ts === alert.ts && m.files.length > 0);
    if (alert && screenshot) return { alert, screenshot };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new RunFailed(
    `no alert with its screenshot in ${channel} within ${POLL_BOUND_MS / 1000} s of the run's end; the channel holds ${seen.length} messages`,
  );
}

const tsMs = (ts: string) => Number(ts) * 1000;

export async function measureSlackAlert(ctx: BenchContext, bench: string, runs: number, tmpDir?: string) {
  const slack = await startService(['slack-emulator', '--port', '0']);
  try {
    const toAlert: number[] = [];
    const toScreenshot: number[] = [];
    const toExit: number[] = [];
    for (let i = 1; i <= runs; i++) {
      const channel = `C0BENCH${String(i).padStart(3, '0')}`;
      const dir = ctx.tempDir(`slack-${i}`);
      const stateDir = path.join(dir, 'state');
      mkdirSync(stateDir);
      ctx.progress(`failing run ${i}/${runs} (DEMO_APP_FAULT=checkout-500) alerting into ${channel}`);
      const run = await runCanaryProcess({
        label: `the failing run ${i}/${runs}`,
        command: { canary: ['run'] },
        reportsDir: path.join(dir, 'reports'),
        tmpDir,
        env: {
          DEMO_APP_FAULT: 'checkout-500',
          SLACK_BOT_TOKEN: TOKEN,
          SLACK_CHANNEL_ID: channel,
          SLACK_API_URL: `${slack.url}/api/`,
          CANARY_STATE_DIR: stateDir,
        },
      });
      const summary = expectExit(run, 1);
      const finished = Date.parse(summary.finished_at!);
      const { alert, screenshot } = await alertAndScreenshot(slack.url, channel);
      toAlert.push(tsMs(alert.ts) - finished);
      toScreenshot.push(tsMs(screenshot.ts) - finished);
      toExit.push(run.exitedAt - finished);
      ctx.progress(`run ${i}/${runs}: alert after ${toAlert.at(-1)!.toFixed(0)} ms, screenshot after ${toScreenshot.at(-1)!.toFixed(0)} ms`);
    }
    return [
      figure(bench, "failed run's end (finished_at) → the alert in Slack", 'ms', toAlert, { note: 'history and dashboard are written first' }),
      figure(bench, "failed run's end → its screenshot in the alert's thread", 'ms', toScreenshot),
      figure(bench, "failed run's end → the process exits", 'ms', toExit),
    ];
  } finally {
    await slack.stop();
  }
}

export const slackAlert: Benchmark = {
  name: 'slack',
  title: "the Slack notifier: a failed run's end to its alert and screenshot in the Slack emulator",
  run: async (ctx) => measureSlackAlert(ctx, 'slack', ctx.quick ? 1 : 3, await ctx.warmTmp()),
};
