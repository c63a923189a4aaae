/**
 * `canary check reconcile` against the demo app on the Stripe emulator, as the command runs:
 * accounts that paid through the app's own upgrade (sign-up, Checkout, webhooks) agree with
 * Stripe and it passes; with the demo app's `ignore-upgrade` fault a paid subscription leaves the
 * account on Free, and it fails (exit 1) naming the account, its subscription and both states; a
 * subscription cancelled in Stripe but still Pro in the app is the other disagreement; customers
 * not labelled as the app's are left out unless --all-customers; an adapter without readPlan is
 * a configuration error (exit 2).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { demoApp } from '../../apps/demo-app/adapter.ts';
import { createThrottle } from '../stripe/throttle.ts';
import { checkReconcile } from './reconcile.ts';
import { startChecksHarness, type ChecksHarness } from './testing/checks-harness.ts';
import type { AppAdapter, AppApiContext } from '../app/define-app.ts';

describe('canary check reconcile', () => {
  let c: ChecksHarness;
  let labelled: string;

  before(async () => {
    c = await startChecksHarness(`sk_test_reconcile${Math.random().toString(36).slice(2, 10)}`);
    // The environment's labels go into the metadata of the customers the app makes.
    labelled = (await c.h.environment({ canary_run_id: 'canary_reconcile_test' })).id;
  });
  after(() => c?.close());

  it('passes when every labelled account that paid is Pro in the app', async () => {
    const { accountId } = await c.h.subscribe(labelled, 'paid@example.com');
    await c.h.waitForPlan(labelled, accountId, 'pro');
    const r = await c.check(['reconcile', '--window', '1h']);
    assert.equal(r.code, 0, r.out + r.err);
    assert.equal(r.summary.check, 'reconcile');
    assert.match(r.summary.tests[0]!.title, /reconcile: 1 account\(s\) with subscriptions in the last 1h; the app agrees with Stripe on each/);
  });

  it('with ignore-upgrade, a paid subscription whose account stays Free fails naming the account and both states', async () => {
    await c.h.setFault('ignore-upgrade');
    const { accountId } = await c.h.subscribe(labelled, 'ignored@example.com');
    await c.h.setFault(null);
    assert.equal((await c.h.account(labelled, accountId)).plan, 'free');
    const sub = (await c.h.stripe.subscriptions.list({ limit: 100 })).data.find((s) => s.metadata.account === accountId)!;
    assert.equal(sub.status, 'active');

    const r = await c.check(['reconcile', '--window', '1h']);
    assert.equal(r.code, 1, r.out + r.err);
    const t = r.summary.tests[0]!;
    assert.equal(t.stage, 'app-not-updated');
    assert.match(
      t.error!,
      new RegExp(`disagrees with Stripe on 1 of 2 account\\(s\\): ignored@example\\.com: ${sub.id} active in Stripe, free \\(not paid\\) in the app`),
    );
    assert.deepEqual(t.evidence!.disagreements, [
      { account: 'ignored@example.com', customer: sub.customer, subscriptions: [sub.id], stripe: 'active', app: 'free (not paid)' },
    ]);
    assert.equal(t.stripe_ids.subscription, sub.id);
    const [alert] = await c.messages();
    assert.match(alert!.text, /checkout-canary reconcile FAILED/);

    // Stripe cancelled, the app still Pro: the other way round. The fault holds the app's record still.
    const paidSub = (await c.h.stripe.subscriptions.list({ limit: 100 })).data.find((s) => s.id !== sub.id)!;
    await c.h.setFault('ignore-upgrade');
    await c.h.stripe.subscriptions.cancel(sub.id);
    await c.h.stripe.subscriptions.cancel(paidSub.id);
    const both = await c.check(['reconcile', '--window', '1h']);
    await c.h.setFault(null);
    assert.equal(both.code, 1);
    const found = both.summary.tests[0]!.evidence!.disagreements as { account: string; stripe: string; app: string }[];
    assert.deepEqual(
      found.map((d) => [d.account, d.stripe, d.app]),
      [['paid@example.com', 'canceled', 'pro (paid)']],
      'the cancelled Pro account disagrees; the cancelled Free one now agrees',
    );
  });

  it("leaves out customers not labelled as the app's unless --all-customers", async () => {
    const other = (await c.h.environment()).id;
    await c.h.setFault('ignore-upgrade');
    await c.h.subscribe(other, 'unlabelled@example.com');
    await c.h.setFault(null);
    const labelledOnly = await c.check(['reconcile', '--window', '1h']);
    assert.ok(!JSON.stringify(labelledOnly.summary.tests[0]!.evidence).includes('unlabelled@example.com'));
    const all = await c.check(['reconcile', '--window', '1h', '--all-customers']);
    assert.equal(all.code, 1);
    assert.match(all.summary.tests[0]!.error!, /unlabelled@example\.com: sub_\w+ active in Stripe, free \(not paid\) in the app/);
  });

  it('pages the subscriptions in full, through the throttle', async () => {
    let calls = 0;
    const throttle = createThrottle({ ratePerSecond: 100, concurrency: 2 });
    const counting = {
      ...throttle,
      run: <T>(work: () => Promise<T>) => {
        calls++;
        return throttle.run(work);
      },
    };
    const list = c.h.stripe.subscriptions.list.bind(c.h.stripe.subscriptions);
    const pages: (string | undefined)[] = [];
    const stripe = Object.create(c.h.stripe, {
      subscriptions: {
        value: {
          list: (params: { starting_after?: string; limit?: number }) => {
            pages.push(params.starting_after);
            return list({ ...params, limit: 1 });
          },
        },
      },
    });
    const ctx = { url: c.h.app.url, variables: { DEMO_APP_URL: c.h.app.url, DEMO_APP_ADMIN_TOKEN: c.h.adminToken } as AppApiContext['variables'] };
    const v = await checkReconcile({ windowMs: 3_600_000, allCustomers: true }, { stripe, throttle: counting, app: demoApp as AppAdapter, ctx });
    const total = (await c.h.stripe.subscriptions.list({ limit: 100, status: 'all' })).data.length;
    assert.equal(total, 3);
    assert.equal(pages.length, total, 'one page per subscription (limit 1), the last saying there is no more');
    assert.equal(pages[0], undefined);
    assert.ok(calls >= pages.length + 3, 'every Stripe call and every readPlan went through the throttle');
    assert.equal(v.outcome, 'failed');
    assert.equal(v.evidence!.compared, 3);
  });

  it('an adapter without readPlan is a configuration error naming it (exit 2)', async () => {
    const { tempProject } = await import('../testing/project.ts');
    const project = tempProject({
      'canary.config.ts': `import { defineApp, defineConfig } from 'checkout-canary';
export default defineConfig({ app: defineApp({ name: 'no-reader', url: '${c.h.app.url}', priceLookupKey: 'canary_pro_monthly',
  signUp: async () => {}, startUpgrade: async () => {}, verifyUpgraded: async () => {} }) });
`,
    });
    try {
      const { runCli } = await import('../cli/main.ts');
      const out: string[] = [];
      const code = await runCli(['check', 'reconcile'], {
        stdout: (l) => out.push(l),
        stderr: (l) => out.push(l),
        cwd: project.dir,
        env: { STRIPE_SECRET_KEY: c.env.STRIPE_SECRET_KEY, STRIPE_API_URL: c.env.STRIPE_API_URL },
        signal: new AbortController().signal,
      });
      assert.equal(code, 2, out.join('\n'));
      assert.match(out.join('\n'), /the adapter "no-reader" has no readPlan/);
    } finally {
      project.remove();
    }
  });
});
