/**
 * One monitoring run as the CLI and the scheduler start it: `runCanary`, then what follows every
 * run whoever made it (`afterRun`, also called by `canary merge-reports` for a sharded run): the
 * run goes into the history, the dashboard is redrawn, then the alert. Neither changes the exit
 * code: a history that cannot be written is a warning, Slack's failures go to the outbox.
 */
import path from 'node:path';
import type { Settings } from '../config/project.ts';
import { recordRun, type Recorded } from '../history/record.ts';
import type { Logger } from '../log/logger.ts';
import { notifyRun, notifySettings, type NotifyResult } from '../notify/notify.ts';
import type { SlackTarget } from '../notify/slack.ts';
import { runCanary, type RunIo, type RunOptions, type RunResult } from './run.ts';
import type { RunSummary } from './summary-schema.ts';

export interface NotifyFlags {
  notifyFlaky?: boolean;
  notifyOnSuccess?: boolean;
  /** Another Slack than the configured one (the embedded Slack emulator). */
  slack?: SlackTarget | null;
  /** Who deployed, when the run's own summary does not say. */
  deployer?: string;
}

/** What follows every finished run: the history and its dashboard, then the alert (and its outbox). Never throws for their sake. */
export async function afterRun(
  summary: RunSummary,
  reportDir: string,
  flags: NotifyFlags,
  settings: Pick<Settings, 'config' | 'alerts'>,
  io: { out(line: string): void; log: Logger },
): Promise<{ notified: NotifyResult; history: Recorded }> {
  const history = await recordRun(summary, reportDir, settings.config, (line) => io.log.warn(line));
  if (history.dashboard) io.out(`  dashboard: ${path.relative(process.cwd(), history.dashboard) || history.dashboard}`);
  const notify = notifySettings(settings.config, {
    notifyFlaky: settings.alerts.notifyFlaky,
    notifyOnSuccess: settings.alerts.notifyOnSuccess,
    ...Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)),
  });
  const notified = await notifyRun(summary, reportDir, notify, (line) => io.log.warn(line));
  if (notified.delivered !== 'nothing') io.out(`  notified: ${notified.action?.kind} → ${notified.delivered}${notified.ts ? ` (ts ${notified.ts})` : ''}`);
  return { notified, history };
}

export async function runAndNotify(
  options: RunOptions,
  flags: NotifyFlags,
  settings: Settings,
  io: RunIo,
): Promise<RunResult & { notified: NotifyResult; history: Recorded }> {
  const result = await runCanary(options, settings, io);
  const { notified, history } = await afterRun(result.summary, result.reportDir, { ...flags, deployer: options.deployer }, settings, io);
  return { ...result, notified, history };
}
