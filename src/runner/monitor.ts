/**
 * One monitoring run as the CLI and the scheduler start it: `runCanary`, then the notifier. The
 * alert never changes the exit code: Slack's failures go to the outbox and are logged.
 */
import path from 'node:path';
import type { Config } from '../config/config.ts';
import { notifyRun, notifySettings, type NotifyResult } from '../notify/notify.ts';
import type { SlackTarget } from '../notify/slack.ts';
import { runCanary, type RunIo, type RunOptions, type RunResult } from './run.ts';

/** Relative folders (CANARY_REPORTS_DIR, CANARY_STATE_DIR) are the project's. */
export const PROJECT_ROOT = path.resolve(import.meta.dirname, '../..');

export interface NotifyFlags {
  notifyFlaky?: boolean;
  notifyOnSuccess?: boolean;
  /** Another Slack than the configured one (the embedded Slack emulator). */
  slack?: SlackTarget | null;
}

export async function runAndNotify(options: RunOptions, flags: NotifyFlags, config: Config, io: RunIo): Promise<RunResult & { notified: NotifyResult }> {
  const result = await runCanary(options, config, io);
  const settings = notifySettings(config, PROJECT_ROOT, { ...flags, deployer: options.deployer });
  const notified = await notifyRun(result.summary, result.reportDir, settings, (line) => io.log.warn(line));
  if (notified.delivered !== 'nothing') io.out(`  notified: ${notified.action?.kind} → ${notified.delivered}${notified.ts ? ` (ts ${notified.ts})` : ''}`);
  return { ...result, notified };
}
