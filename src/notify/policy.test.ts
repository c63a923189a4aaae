/** When the notifier says what: alert after N failures, replies and reminders, recovered only after an alert, the quiet cases. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkKey, decide, emptyState, type CheckState, type PolicyOptions } from './policy.ts';

const O: PolicyOptions = { alertAfter: 1, remindEvery: 4, notifyFlaky: false, notifyOnSuccess: false };
const run = (outcome: string, i: number) => ({ outcome: outcome as never, started_at: `2026-12-02T0${i}:00:00.000Z`, run_id: `canary_${i}` });

/** Feeds outcomes through the policy, giving each alert a ts as Slack would; the kinds of message, in order. */
function replay(outcomes: string[], o: PolicyOptions = O): { kinds: string[]; state: CheckState } {
  let state = emptyState('k');
  const kinds: string[] = [];
  outcomes.forEach((outcome, i) => {
    const { action, next } = decide(state, run(outcome, i), o);
    if (action?.kind === 'alert') next.alert = { channel: 'C1', ts: `${i}.0` };
    kinds.push(action ? `${action.kind}${action.broadcast ? '+broadcast' : ''}` : '-');
    state = next;
  });
  return { kinds, state };
}

describe('decide', () => {
  it('alerts on the first failure, replies after, broadcasts every 4th reply, and says recovered in the thread and the channel', () => {
    const { kinds, state } = replay(['failed', 'failed', 'failed', 'failed', 'failed', 'failed', 'passed']);
    assert.deepEqual(kinds, ['alert', 'still-failing', 'still-failing', 'still-failing', 'reminder+broadcast', 'still-failing', 'recovered+broadcast']);
    assert.deepEqual(state, { ...emptyState('k'), last_run_id: 'canary_6' });
  });
  it('with alertAfter 2, one failure says nothing and a pass after it says nothing either', () => {
    assert.deepEqual(replay(['failed', 'passed', 'failed', 'failed'], { ...O, alertAfter: 2 }).kinds, ['-', '-', '-', 'alert']);
  });
  it('inconclusive runs get their own message and neither break nor extend a streak', () => {
    const { kinds, state } = replay(['failed', 'inconclusive', 'failed']);
    assert.deepEqual(kinds, ['alert', 'inconclusive', 'still-failing']);
    assert.equal(state.failures, 2);
  });
  it('flaky and passed runs post only when asked; a flaky run still ends a streak; aborted runs change nothing', () => {
    assert.deepEqual(replay(['flaky', 'passed']).kinds, ['-', '-']);
    assert.deepEqual(replay(['flaky', 'passed'], { ...O, notifyFlaky: true, notifyOnSuccess: true }).kinds, ['flaky', 'passed']);
    assert.deepEqual(replay(['failed', 'flaky']).kinds, ['alert', 'recovered+broadcast']);
    const { kinds, state } = replay(['failed', 'aborted', 'no-tests']);
    assert.deepEqual([kinds, state.failures], [['alert', '-', '-'], 1]);
  });
  it('keys a check by its grep and target; embedded targets are one target', () => {
    const t = (app: 'embedded' | 'deployed', url: string) => ({
      grep: '@critical',
      target: { stripe: 'emulator' as const, stripe_api_url: 'http://127.0.0.1:1', app, app_url: url },
    });
    assert.equal(checkKey(t('embedded', 'http://127.0.0.1:5')), checkKey(t('embedded', 'http://127.0.0.1:6')));
    assert.notEqual(checkKey(t('deployed', 'https://a.example.com')), checkKey(t('deployed', 'https://b.example.com')));
  });
});
