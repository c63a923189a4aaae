/**
 * When to say what, per check and target: alert once a check has failed `alertAfter` runs in a
 * row; while it keeps failing, reply in the alert's thread, broadcasting every `remindEvery`
 * replies; when it passes again, "recovered" in the thread and the channel — only where an alert
 * was sent. Inconclusive runs get their own quieter message and change nothing; flaky and passed
 * runs post only when asked to. The monitor's own incidents (a schedule copy that vanished
 * mid-occurrence) are alerts each, outside any streak: no later run would recover them. Pure: the
 * state comes in and goes out.
 */
import type { RunSummary } from '../runner/summary-schema.ts';
import type { MessageKind } from './message.ts';

/** Where an alert is: a posted message, or one still waiting in the outbox. */
export type AlertRef = { channel: string; ts: string } | { pending: string };

export interface CheckState {
  key: string;
  /** Failed runs in a row. */
  failures: number;
  /** When the first of them started (ISO). */
  first_failed_at: string | null;
  alert: AlertRef | null;
  /** Replies posted under the alert since it was sent. */
  replies: number;
  last_run_id: string | null;
}

export interface PolicyOptions {
  alertAfter: number;
  remindEvery: number;
  notifyFlaky: boolean;
  notifyOnSuccess: boolean;
}

export interface Action {
  kind: MessageKind;
  /** Post into this alert's thread (replies and "recovered"). */
  thread: AlertRef | null;
  /** Also show a thread reply in the channel. */
  broadcast: boolean;
}

export function emptyState(key: string): CheckState {
  return { key, failures: 0, first_failed_at: null, alert: null, replies: 0, last_run_id: null };
}

/** The check and its target: the same grep against the same Stripe and app (embedded ones are one target). */
export function checkKey(s: Pick<RunSummary, 'grep' | 'check' | 'target'>): string {
  const stripe =
    s.target.stripe === 'stripe' ? 'stripe-test-mode' : s.target.stripe_api_url && s.target.app === 'deployed' ? s.target.stripe_api_url : 'emulator';
  const app = s.target.app === 'deployed' ? s.target.app_url : 'embedded-app';
  return `${s.check ?? s.grep ?? 'all'} @ ${stripe} + ${app}`;
}

export function decide(
  state: CheckState,
  s: Pick<RunSummary, 'outcome' | 'started_at' | 'run_id'> & { check?: RunSummary['check'] },
  o: PolicyOptions,
): { action: Action | null; next: CheckState } {
  const next: CheckState = { ...state, last_run_id: s.run_id };
  if (s.check === 'monitor') return { action: s.outcome === 'failed' ? { kind: 'alert', thread: null, broadcast: false } : null, next: emptyState(state.key) };
  switch (s.outcome) {
    case 'failed': {
      next.failures = state.failures + 1;
      next.first_failed_at = state.first_failed_at ?? s.started_at;
      if (state.alert) {
        next.replies = state.replies + 1;
        const reminder = next.replies % o.remindEvery === 0;
        return { action: { kind: reminder ? 'reminder' : 'still-failing', thread: state.alert, broadcast: reminder }, next };
      }
      if (next.failures >= o.alertAfter) return { action: { kind: 'alert', thread: null, broadcast: false }, next };
      return { action: null, next };
    }
    case 'passed':
    case 'flaky': {
      const reset = { ...emptyState(state.key), last_run_id: s.run_id };
      if (state.alert) return { action: { kind: 'recovered', thread: state.alert, broadcast: true }, next: reset };
      if (s.outcome === 'flaky' && o.notifyFlaky) return { action: { kind: 'flaky', thread: null, broadcast: false }, next: reset };
      if (s.outcome === 'passed' && o.notifyOnSuccess) return { action: { kind: 'passed', thread: null, broadcast: false }, next: reset };
      return { action: null, next: reset };
    }
    case 'inconclusive':
      // Neither a failure nor a recovery: the streak stays as it was.
      return { action: { kind: 'inconclusive', thread: null, broadcast: false }, next };
    default:
      // Aborted, no tests, still running: nothing to say, nothing learnt.
      return { action: null, next };
  }
}
