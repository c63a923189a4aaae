/**
 * The harness's typed errors. Each names the stage of the journey that failed, so a report and
 * an alert can say where to look; each keeps what caused it as `cause`.
 */
export type Stage =
  | 'app-ui'
  | 'checkout-ui'
  | 'card-result'
  | 'webhook'
  | 'app-not-updated'
  | 'stripe-api'
  | 'stripe-state'
  | 'app-api'
  | 'checkout-blocked'
  | 'config';

export const STAGE_TITLES: Record<Stage, string> = {
  'app-ui': "the app's UI",
  'checkout-ui': "Checkout's UI",
  'card-result': 'an unexpected card result',
  webhook: 'the webhook was never acknowledged',
  'app-not-updated': 'the app was not updated although Stripe shows the subscription',
  'stripe-api': 'a Stripe API error',
  'stripe-state': 'Stripe does not show what the journey should have created',
  'app-api': "the app's admin API",
  'checkout-blocked': 'Checkout blocked the robot (inconclusive)',
  config: 'configuration',
};

export class CanaryError extends Error {
  readonly stage: Stage;
  /** Facts for the report and the alert: ids, codes, what an endpoint answered. */
  readonly evidence: Record<string, unknown>;

  constructor(stage: Stage, message: string, evidence: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    // The stage leads the message so it survives serialisation into Playwright's reports.
    super(`[stage:${stage}] ${message}`, options);
    this.name = new.target.name;
    this.stage = stage;
    this.evidence = evidence;
  }
}

export class WebhookNotAcknowledged extends CanaryError {
  constructor(message: string, evidence: Record<string, unknown>) {
    super('webhook', message, evidence);
  }
}

export class AppNotUpdated extends CanaryError {
  constructor(message: string, evidence: Record<string, unknown>) {
    super('app-not-updated', message, evidence);
  }
}

export class StripeStateMismatch extends CanaryError {
  constructor(message: string, evidence: Record<string, unknown>) {
    super('stripe-state', message, evidence);
  }
}

export class StripeApiFailure extends CanaryError {
  constructor(message: string, evidence: Record<string, unknown>, cause?: unknown) {
    super('stripe-api', message, evidence, { cause });
  }
}

export class AppApiError extends CanaryError {
  constructor(message: string, evidence: Record<string, unknown>, cause?: unknown) {
    super('app-api', message, evidence, { cause });
  }
}

export class CardResultUnexpected extends CanaryError {
  constructor(message: string, evidence: Record<string, unknown>) {
    super('card-result', message, evidence);
  }
}

export class CheckoutBlocked extends CanaryError {
  constructor(message: string, evidence: Record<string, unknown> = {}) {
    super('checkout-blocked', message, evidence);
  }
}

/** The stage named in an error message produced by a CanaryError, if any. */
export function stageOf(message: string | undefined): Stage | null {
  const m = /\[stage:([a-z-]+)\]/.exec(message ?? '');
  return m && m[1]! in STAGE_TITLES ? (m[1] as Stage) : null;
}
