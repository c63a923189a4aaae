/**
 * The harness's typed errors. A `CanaryError` names the stage of the journey that failed, so a
 * report and an alert can say where to look, carries its facts as `evidence` (data, never parsed
 * back out of the message), and keeps what caused it as `cause`. A `UserError` is a mistake in
 * what the user gave (a flag, a variable, a key): it carries the exit code, and `runCli` turns it
 * into one line of output.
 */

/** Every stage a failure can be blamed on, in the order of the journey. */
export const STAGES = [
  'deploy-not-healthy',
  'config',
  'app-ui',
  'checkout-ui',
  'checkout-blocked',
  'card-result',
  'portal-ui',
  'webhook',
  'app-not-updated',
  'stripe-api',
  'stripe-state',
  'app-api',
  'timeout',
  'outside-step',
  'monitor',
] as const;
export type Stage = (typeof STAGES)[number];

export const STAGE_TITLES: Record<Stage, string> = {
  'deploy-not-healthy': 'the deploy never became healthy',
  config: 'configuration',
  'app-ui': "the app's UI",
  'checkout-ui': "Checkout's UI",
  'checkout-blocked': 'Checkout blocked the robot (inconclusive)',
  'card-result': 'an unexpected card result',
  'portal-ui': "Stripe's customer portal UI",
  webhook: 'the webhook was never acknowledged',
  'app-not-updated': 'the app was not updated although Stripe shows the subscription',
  'stripe-api': 'a Stripe API error',
  'stripe-state': 'Stripe does not show what the journey should have created',
  'app-api': "the app's admin API",
  timeout: 'the run took longer than its --timeout',
  'outside-step': 'outside any journey step (a fixture or the harness itself)',
  monitor: 'the monitor itself (a schedule copy vanished, or no check ran in its window)',
};

/**
 * The kinds of journey step, each with how its title starts, so the report reads as the journey
 * ("App UI: sign up a fresh user"). A kind is where a step works, not yet the stage of a failure:
 * that comes from what failed (see `stageOfFailure`).
 */
export const STEP_KINDS = {
  'app-ui': 'App UI',
  'checkout-ui': 'Checkout UI',
  'card-result': 'Card result',
  'portal-ui': 'Portal UI',
  stripe: 'Stripe API',
  'app-api': 'App API',
} as const;
export type StepKind = keyof typeof STEP_KINDS;

/** Whether `err` is Stripe's API failing (an SDK error: an HTTP error, a dropped connection), not Stripe's state disagreeing. */
function isStripeApiError(err: unknown): boolean {
  const e = err as { type?: unknown; rawType?: unknown } | null;
  return typeof e?.type === 'string' && e.type.startsWith('Stripe') && 'rawType' in (e as object);
}

/**
 * The stage of a failure in a step of `kind`: a CanaryError names its own; in a Stripe step, the
 * API failing is `stripe-api` and anything else (an assertion on what Stripe shows) is
 * `stripe-state`; in the other kinds, the kind's own stage.
 */
export function stageOfFailure(kind: StepKind, err: unknown): Stage {
  if (err instanceof CanaryError) return err.stage;
  if (kind !== 'stripe') return kind;
  return isStripeApiError(err) ? 'stripe-api' : 'stripe-state';
}

/**
 * The stage of a step that never finished (the test's timeout cut it): waiting in a Stripe step
 * is waiting on Stripe's API.
 */
export function stageOfUnfinishedStep(title: string | undefined): Stage | null {
  if (!title) return null;
  for (const [kind, prefix] of Object.entries(STEP_KINDS)) if (title.startsWith(`${prefix}:`)) return kind === 'stripe' ? 'stripe-api' : (kind as Stage);
  return null;
}

export type Evidence = Record<string, unknown>;

export class CanaryError extends Error {
  readonly stage: Stage;
  /** Facts for the report and the alert: ids, codes, what an endpoint answered. */
  readonly evidence: Evidence;

  constructor(stage: Stage, message: string, evidence: Evidence = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.stage = stage;
    this.evidence = evidence;
  }
}

export class WebhookNotAcknowledged extends CanaryError {
  constructor(message: string, evidence: Evidence) {
    super('webhook', message, evidence);
  }
}

export class AppNotUpdated extends CanaryError {
  constructor(message: string, evidence: Evidence) {
    super('app-not-updated', message, evidence);
  }
}

export class StripeStateMismatch extends CanaryError {
  constructor(message: string, evidence: Evidence) {
    super('stripe-state', message, evidence);
  }
}

export class StripeApiFailure extends CanaryError {
  constructor(message: string, evidence: Evidence, cause?: unknown) {
    super('stripe-api', message, evidence, { cause });
  }
}

export class AppApiError extends CanaryError {
  constructor(message: string, evidence: Evidence, cause?: unknown) {
    super('app-api', message, evidence, { cause });
  }
}

export class CardResultUnexpected extends CanaryError {
  constructor(message: string, evidence: Evidence) {
    super('card-result', message, evidence);
  }
}

export class CheckoutBlocked extends CanaryError {
  constructor(message: string, evidence: Evidence = {}) {
    super('checkout-blocked', message, evidence);
  }
}

/** The target is set up wrong for the journey (a key Stripe rejects, a price that does not exist). */
export class TargetMisconfigured extends CanaryError {
  constructor(message: string, evidence: Evidence, cause?: unknown) {
    super('config', message, evidence, { cause });
  }
}

/** A mistake in what the user gave; `message` is one line that names the input. */
export class UserError extends Error {
  readonly exitCode: number;

  constructor(message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = options.exitCode ?? 2;
  }
}
