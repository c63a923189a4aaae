import { Command } from 'commander';
import type { Settings } from '../../config/project.ts';
import { TRIGGERS, type Trigger } from '../../runner/handoff.ts';
import type { Start } from '../command.ts';
import { configFlag, flag, parsers } from '../options.ts';

interface CommonFlags {
  config?: string;
  trigger?: Trigger;
  timeout?: number;
}

type Checks = typeof import('../../checks/run.ts');
type CheckIo = Parameters<Checks['runWebhooksCheck']>[2];

const EXIT = 'Exit 0 healthy, 1 failing, 2 usage or configuration error, 3 inconclusive (Stripe could not be reached).';

/** The flags every check takes. */
function common(c: Command, defaultTimeout: string): Command {
  return c
    .addOption(configFlag())
    .addOption(flag('--trigger <manual|schedule>', 'Why this check runs (recorded). Default manual.', parsers.oneOf(TRIGGERS)))
    .addOption(flag('--timeout <DURATION>', `Bound on the whole check. Default ${defaultTimeout}.`, parsers.duration));
}

/** A check's action: the project's settings, the checks' code (loaded only now), and its exit code. */
function action<F extends CommonFlags>(start: Start, run: (checks: Checks, settings: Settings, flags: F, io: CheckIo) => Promise<{ exitCode: number }>) {
  return (flags: F) =>
    start(async (ctx) => {
      const settings = await ctx.settings(flags.config);
      const r = await run(await import('../../checks/run.ts'), settings, flags, { out: ctx.out, log: ctx.log, signal: ctx.signal });
      return r.exitCode;
    });
}

export function command(start: Start): Command {
  const webhooks = common(
    new Command('webhooks')
      .summary("Is the app's webhook endpoint keeping up with Stripe's events? (API only, seconds)")
      .description(
        `Lists recent events (paged in full) and fails when an event the app's endpoint subscribes to is older than --max-age and still not acknowledged by the app's endpoint, or when that endpoint is missing or disabled. Judged for the app's endpoint alone: another endpoint of the account never fails it. ${EXIT}`,
      ),
    '2m',
  )
    .addOption(flag('--max-age <DURATION>', 'An event older than this that still waits for the app fails the check. Default 10m.', parsers.duration))
    .addOption(flag('--window <DURATION>', 'How far back events are listed. Default 1h.', parsers.duration))
    .addOption(flag('--endpoint <URL>', "The app's webhook endpoint, over the adapter's (webhookUrl, else the app's origin).", parsers.url))
    .action(
      action<CommonFlags & { maxAge?: number; window?: number; endpoint?: string }>(start, ({ runWebhooksCheck, CHECK_DEFAULTS: d }, settings, flags, io) =>
        runWebhooksCheck(
          settings,
          {
            trigger: flags.trigger ?? 'manual',
            timeoutMs: flags.timeout ?? d.webhooks.timeoutMs,
            maxAgeMs: flags.maxAge ?? d.webhooks.maxAgeMs,
            windowMs: flags.window ?? d.webhooks.windowMs,
            endpoint: flags.endpoint,
          },
          io,
        ),
      ),
    );
  const reconcile = common(
    new Command('reconcile')
      .summary("Does the app's record of who pays agree with Stripe?")
      .description(
        `For the subscriptions created in --window, of the app's customers (labelled canary_run_id; every customer with --all-customers, on a test account), compares Stripe's status with the app's plan through the adapter's readPlan: fails on any disagreement, naming each account, its subscriptions and both states. ${EXIT}`,
      ),
    '5m',
  )
    .addOption(flag('--window <DURATION>', 'Subscriptions created this recently. Default 24h.', parsers.duration))
    .addOption(flag('--all-customers', "Every customer's, not only those labelled canary_run_id (a test account of the app's own)."))
    .action(
      action<CommonFlags & { window?: number; allCustomers?: boolean }>(start, ({ runReconcileCheck, CHECK_DEFAULTS: d }, settings, flags, io) =>
        runReconcileCheck(
          settings,
          {
            trigger: flags.trigger ?? 'manual',
            timeoutMs: flags.timeout ?? d.reconcile.timeoutMs,
            windowMs: flags.window ?? d.reconcile.windowMs,
            allCustomers: flags.allCustomers === true,
          },
          io,
        ),
      ),
    );
  const freshness = common(
    new Command('freshness')
      .summary('Has the canary itself run? (for a second, independent scheduler)')
      .description(
        `Fails when the run history (reports/history.sqlite, or the shared PostgreSQL of CANARY_COORDINATOR_URL) holds no verdict of --check within --max-age: "the canary itself has not run since …". ${EXIT}`,
      ),
    '1m',
  )
    .addOption(
      flag('--max-age <DURATION>', 'How recent the last verdict must be. Default 7h (the six-hourly schedule, and an hour to spare).', parsers.duration),
    )
    .addOption(flag('--check <NAME>', 'The check that must have run: @critical (default), or webhooks, reconcile.', parsers.nonEmpty))
    .action(
      action<CommonFlags & { maxAge?: number; check?: string }>(start, ({ runFreshnessCheck, CHECK_DEFAULTS: d }, settings, flags, io) =>
        runFreshnessCheck(
          settings,
          {
            trigger: flags.trigger ?? 'manual',
            timeoutMs: flags.timeout ?? d.freshness.timeoutMs,
            maxAgeMs: flags.maxAge ?? d.freshness.maxAgeMs,
            check: flags.check ?? settings.suites.schedule,
          },
          io,
        ),
      ),
    );
  return new Command('check')
    .summary('API-only checks between browser runs: webhooks, reconcile, freshness.')
    .description(
      'API-only checks (no browser, seconds), each a run of its own: its summary.json, history entry and alert streak. See `canary check <check> --help`.',
    )
    .addCommand(webhooks)
    .addCommand(reconcile)
    .addCommand(freshness);
}
