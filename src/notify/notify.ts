/**
 * After a run: decide from summary.json and the check's state what to tell Slack (policy.ts),
 * build it (message.ts), and deliver it — to Slack, to the outbox when Slack fails, or as a
 * preview in the report folder when no Slack is configured. Under the check's lock, so two runs
 * finishing at once never post two alerts for one streak. Never throws: the run's exit code
 * never depends on Slack.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { WebClient } from '@slack/web-api';
import type { Config } from '../config/programs/harness.ts';
import { redact } from '../log/redact.ts';
import type { RunSummary } from '../runner/summary-schema.ts';
import { buildMessage } from './message.ts';
import { delivered, enqueue, markSent, pending, recordDelivered, remove, type OutboxItem } from './outbox.ts';
import { checkKey, decide, type Action, type AlertRef, type CheckState, type PolicyOptions } from './policy.ts';
import { writePreview } from './preview.ts';
import { postMessage, resolveWho, slackClient, uploadScreenshot, type SlackTarget } from './slack.ts';
import { readState, withLock, writeState } from './state.ts';

export interface NotifySettings extends PolicyOptions {
  slack: SlackTarget | null;
  stateDir: string;
  outboxDir: string;
  deployer?: string | null;
  oncall?: string;
  reportUrl?: string;
  ciUrl?: string;
}

export interface NotifyResult {
  action: Action | null;
  /** Where the message went. */
  delivered: 'slack' | 'outbox' | 'preview' | 'nothing';
  ts?: string;
  /** What went wrong with Slack (the message then waits in the outbox). */
  error?: string;
}

/** The screenshot of the last failed UI step: the first failing test's, as Playwright kept it. */
export function screenshotOf(s: RunSummary, reportDir: string): string | null {
  const t = s.tests.find((x) => (x.outcome === 'failed' || x.outcome === 'inconclusive') && x.artifacts.screenshot);
  const file = t?.artifacts.screenshot ? path.join(reportDir, t.artifacts.screenshot) : null;
  return file && existsSync(file) ? file : null;
}

const posted = (ref: AlertRef | null): ref is { channel: string; ts: string } => !!ref && 'ts' in ref;

/** A check's state belongs to where its alerts go: an alert's ts means something only in its channel. */
export function stateKey(s: RunSummary, slack: SlackTarget | null): string {
  return `${checkKey(s)} → ${slack ? `${slack.apiUrl ?? 'https://slack.com/api/'}#${slack.channel}` : 'preview'}`;
}

export async function notifyRun(s: RunSummary, reportDir: string, o: NotifySettings, log: (line: string) => void = () => {}): Promise<NotifyResult> {
  const key = stateKey(s, o.slack);
  try {
    return await withLock(o.stateDir, key, async () => {
      const state = readState(o.stateDir, key);
      const { action, next } = decide(state, s, o);
      if (!action) {
        writeState(o.stateDir, next);
        return { action, delivered: 'nothing' };
      }
      const client = o.slack ? slackClient(o.slack) : null;
      const who =
        action.kind === 'alert' || action.kind === 'reminder'
          ? await resolveWho(client, s.trigger, { deployer: o.deployer ?? s.deployer, oncall: o.oncall })
          : null;
      const streakOf: CheckState = action.kind === 'recovered' ? state : next;
      const message = buildMessage(s, {
        kind: action.kind,
        who,
        reportUrl: o.reportUrl,
        ciUrl: o.ciUrl,
        ...(streakOf.first_failed_at && { streak: { failures: streakOf.failures, since: streakOf.first_failed_at } }),
      });
      const screenshot = action.kind === 'alert' ? screenshotOf(s, reportDir) : null;
      if (!o.slack || !client) {
        writePreview(reportDir, { kind: action.kind, message, channel: null, screenshot });
        log(`no Slack configured (SLACK_BOT_TOKEN, SLACK_CHANNEL_ID): the ${action.kind} is in ${path.join(reportDir, 'alert.html')}`);
        writeState(o.stateDir, { ...next, alert: action.kind === 'alert' ? null : next.alert });
        return { action, delivered: 'preview' };
      }
      const channel = o.slack.channel;
      const queue = (error: string): NotifyResult => {
        const item = enqueue(
          o.outboxDir,
          { run_id: s.run_id, state_key: key, kind: action.kind, channel, message, thread: action.thread, broadcast: action.broadcast },
          screenshot,
        );
        if (action.kind === 'alert') next.alert = { pending: item.id };
        writeState(o.stateDir, next);
        log(`Slack did not take the ${action.kind} (${error}); it waits in ${o.outboxDir} for \`canary notify --flush\``);
        return { action, delivered: 'outbox', error };
      };
      // A reply to an alert still in the outbox waits behind it, to keep the order.
      if (action.thread && !posted(action.thread)) return queue('its alert is still in the outbox');
      let thread = posted(action.thread) ? { ts: action.thread.ts, broadcast: action.broadcast } : null;
      let ts: string;
      try {
        ts = await postMessage(client, channel, message, thread).catch((err: { data?: { error?: string } }) => {
          // The alert is gone (deleted, or the channel was cleared): say it in the channel instead.
          if (!thread || err.data?.error !== 'thread_not_found') throw err;
          thread = null;
          return postMessage(client, channel, message, null);
        });
      } catch (err) {
        return queue(redact((err as Error).message));
      }
      if (action.kind === 'alert') next.alert = { channel, ts };
      writeState(o.stateDir, next);
      if (screenshot) {
        try {
          await uploadScreenshot(client, channel, thread?.ts ?? ts, screenshot, `Screenshot of the last failed step — ${s.run_id}`);
        } catch (err) {
          // The message is in Slack: only its screenshot waits, and a flush must not post the message again.
          const error = redact((err as Error).message);
          enqueue(
            o.outboxDir,
            { run_id: s.run_id, state_key: key, kind: action.kind, channel, message, thread: action.thread, broadcast: action.broadcast, sent_ts: ts },
            screenshot,
          );
          log(`Slack took the ${action.kind} but not its screenshot (${error}); the screenshot waits in ${o.outboxDir} for \`canary notify --flush\``);
          return { action, delivered: 'slack', ts, error };
        }
      }
      return { action, delivered: 'slack', ts };
    });
  } catch (err) {
    const error = redact((err as Error).message);
    log(`notifying failed: ${error}`);
    return { action: null, delivered: 'nothing', error };
  }
}

export interface FlushResult {
  sent: number;
  left: number;
  error?: string;
}

/** Sends what waits in the outbox, oldest first, each once; stops at the first failure to keep the order. */
export async function flushOutbox(o: Pick<NotifySettings, 'slack' | 'outboxDir' | 'stateDir'>, log: (line: string) => void = () => {}): Promise<FlushResult> {
  if (!o.slack) return { sent: 0, left: pending(o.outboxDir).length, error: 'no Slack configured (SLACK_BOT_TOKEN, SLACK_CHANNEL_ID)' };
  const client = slackClient(o.slack);
  return withLock(o.outboxDir, 'flush', async () => {
    const items = pending(o.outboxDir);
    let sent = 0;
    for (const item of items) {
      try {
        await deliver(client, o, item);
        sent++;
        log(`sent the ${item.kind} of ${item.run_id} from the outbox`);
      } catch (err) {
        const error = redact((err as Error).message);
        return { sent, left: items.length - sent, error };
      }
    }
    return { sent, left: 0 };
  });
}

async function deliver(client: WebClient, o: Pick<NotifySettings, 'outboxDir' | 'stateDir'>, item: OutboxItem): Promise<void> {
  let thread: { ts: string; broadcast: boolean } | null = null;
  if (item.thread) {
    const where = 'ts' in item.thread ? item.thread : delivered(o.outboxDir)[item.thread.pending];
    if (!where) throw new Error(`the alert ${JSON.stringify(item.thread)} this reply belongs to was never sent`);
    thread = { ts: where.ts, broadcast: item.broadcast };
  }
  let ts = item.sent_ts;
  if (!ts) {
    ts = await postMessage(client, item.channel, item.message, thread);
    markSent(o.outboxDir, item, ts);
  }
  if (item.kind === 'alert') {
    recordDelivered(o.outboxDir, item.id, { channel: item.channel, ts });
    // The check's state named the pending alert: from now on its replies thread under the real one.
    await withLock(o.stateDir, item.state_key, async () => {
      const state = readState(o.stateDir, item.state_key);
      if (state.alert && 'pending' in state.alert && state.alert.pending === item.id)
        writeState(o.stateDir, { ...state, alert: { channel: item.channel, ts } });
    });
  }
  if (item.screenshot && existsSync(item.screenshot))
    await uploadScreenshot(client, item.channel, thread?.ts ?? ts, item.screenshot, `Screenshot of the last failed step — ${item.run_id}`);
  remove(o.outboxDir, item);
}

/** The notifier's settings from the configuration (and a run's flags). */
export function notifySettings(
  c: Pick<
    Config,
    | 'SLACK_BOT_TOKEN'
    | 'SLACK_CHANNEL_ID'
    | 'SLACK_API_URL'
    | 'CANARY_STATE_DIR'
    | 'CANARY_REPORTS_DIR'
    | 'CANARY_ALERT_AFTER'
    | 'CANARY_REMIND_EVERY'
    | 'CANARY_DEPLOYER'
    | 'CANARY_ONCALL'
    | 'CANARY_REPORT_URL'
    | 'CANARY_CI_URL'
  >,
  flags: { notifyFlaky?: boolean; notifyOnSuccess?: boolean; deployer?: string; slack?: SlackTarget | null } = {},
): NotifySettings {
  const slack =
    flags.slack !== undefined
      ? flags.slack
      : c.SLACK_BOT_TOKEN && c.SLACK_CHANNEL_ID
        ? { token: c.SLACK_BOT_TOKEN, channel: c.SLACK_CHANNEL_ID, apiUrl: c.SLACK_API_URL }
        : null;
  return {
    slack,
    stateDir: c.CANARY_STATE_DIR,
    outboxDir: path.join(c.CANARY_REPORTS_DIR, 'outbox'),
    alertAfter: c.CANARY_ALERT_AFTER,
    remindEvery: c.CANARY_REMIND_EVERY,
    notifyFlaky: flags.notifyFlaky === true,
    notifyOnSuccess: flags.notifyOnSuccess === true,
    deployer: flags.deployer ?? c.CANARY_DEPLOYER,
    oncall: c.CANARY_ONCALL,
    reportUrl: c.CANARY_REPORT_URL,
    ciUrl: c.CANARY_CI_URL,
  };
}

/** The message a run would get on its own (no streak), for `canary notify --preview`. */
export function previewRun(s: RunSummary, reportDir: string, o: NotifySettings): string {
  const kind = s.outcome === 'failed' ? 'alert' : s.outcome === 'inconclusive' ? 'inconclusive' : s.outcome === 'flaky' ? 'flaky' : 'passed';
  const who = o.deployer ?? s.deployer;
  const message = buildMessage(s, {
    kind,
    who:
      s.trigger === 'schedule' && o.oncall ? { mention: null, label: o.oncall, role: 'on-call' } : who ? { mention: null, label: who, role: 'deployer' } : null,
    reportUrl: o.reportUrl,
    ciUrl: o.ciUrl,
  });
  return writePreview(reportDir, { kind, message, channel: o.slack?.channel ?? null, screenshot: kind === 'alert' ? screenshotOf(s, reportDir) : null }).html;
}
