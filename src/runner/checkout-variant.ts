/**
 * A run on a chosen hosted Checkout page (`--checkout-variant`, CANARY_CHECKOUT_VARIANT): with
 * the embedded Stripe emulator the run sets the page once, over the emulator's control API,
 * before any test starts, and records what it set in summary.json (`checkout_variant`). `random`
 * takes its seed from the run's id, so the variant differs run to run and is repeated by giving
 * that seed. Only a Stripe the run started is changed: a shared emulator or real Stripe is
 * refused before anything starts (the page there is not the run's to choose, and a run that
 * claimed a variant it could not set would report a page it never met).
 */
import { checkoutVariantName, type CheckoutPageOptions, type CheckoutVariantRequest } from '../config/checkout-variant.ts';
import type { Config } from '../config/programs/harness.ts';
import { UserError } from '../errors.ts';
import type { RunSummary } from './summary-schema.ts';

export type CheckoutVariantRecord = NonNullable<RunSummary['checkout_variant']>;

/** How long the emulator's control API may take to answer. */
const CONTROL_TIMEOUT_MS = 10_000;

/** The flag, or the variable when the flag is not given; null when neither is. */
export function requestedVariant(given: CheckoutVariantRequest | undefined, config: Pick<Config, 'CANARY_CHECKOUT_VARIANT'>): CheckoutVariantRequest | null {
  return given ?? config.CANARY_CHECKOUT_VARIANT ?? null;
}

/** How the request was written, as summary.json and the output repeat it. */
export function describeRequest(r: CheckoutVariantRequest): string {
  return r.kind === 'random' ? 'random' : r.kind === 'seed' ? String(r.seed) : r.name;
}

/**
 * Refuses (exit 2) a variant for a run that will not start its own Stripe emulator, and `random`
 * for a shard (each shard has its own run id, so each would show another page: a seed makes every
 * shard show the same one).
 */
export function checkVariantTarget(
  request: CheckoutVariantRequest | null,
  config: Pick<Config, 'STRIPE_API_URL' | 'STRIPE_SECRET_KEY'>,
  sharded = false,
): void {
  if (!request) return;
  if (sharded && request.kind === 'random') {
    throw new UserError(
      '--checkout-variant random (or CANARY_CHECKOUT_VARIANT) with --shard would show each shard another page (each takes its seed from its own run id): give a seed, e.g. --checkout-variant 12345, so every shard shows the same one',
    );
  }
  const where = config.STRIPE_API_URL
    ? `the Stripe at STRIPE_API_URL (${config.STRIPE_API_URL}), which this run did not start`
    : config.STRIPE_SECRET_KEY
      ? "real Stripe (STRIPE_SECRET_KEY is set), whose page is Stripe's to choose"
      : null;
  if (!where) return;
  throw new UserError(
    `--checkout-variant ${describeRequest(request)} (or CANARY_CHECKOUT_VARIANT) picks the page of the Stripe emulator a run starts itself, and this run drives ${where}; unset STRIPE_API_URL and STRIPE_SECRET_KEY to run on the embedded emulator, or drop the variant (a shared emulator's page is set with POST /_emulator/checkout-page)`,
  );
}

/** The seed `random` uses: the random part of the run's id, so each run differs and says which it took. */
export function seedOfRun(runId: string): number {
  const hex = /_([0-9a-f]{8})$/.exec(runId)?.[1];
  if (hex) return Number.parseInt(hex, 16);
  // A run id of another shape (never made by canary today): a hash of it.
  let h = 2166136261;
  for (let i = 0; i < runId.length; i++) h = Math.imul(h ^ runId.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Sets the page of the emulator at `apiUrl` and answers what it set. */
export async function applyCheckoutVariant(apiUrl: string, request: CheckoutVariantRequest, runId: string): Promise<CheckoutVariantRecord> {
  const seed = request.kind === 'random' ? seedOfRun(runId) : request.kind === 'seed' ? request.seed : null;
  const body = seed === null ? { variant: (request as { options: CheckoutPageOptions }).options } : { random: seed };
  const url = new URL('/_emulator/checkout-page', apiUrl);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(CONTROL_TIMEOUT_MS),
  });
  const answer = (await res.json().catch(() => null)) as { variant?: CheckoutPageOptions } | null;
  if (!res.ok || !answer?.variant) {
    throw new Error(`the Stripe emulator did not set the Checkout page variant: POST ${url.pathname} answered ${res.status} ${JSON.stringify(answer)}`);
  }
  return { requested: describeRequest(request), name: checkoutVariantName(answer.variant), options: answer.variant, seed };
}

/** The line the run prints: the variant, and how to meet the same page again. */
export function formatCheckoutVariant(v: CheckoutVariantRecord): string {
  const options = Object.entries(v.options)
    .map(([k, x]) => `${k}=${x}`)
    .join(', ');
  const repeat = v.requested === 'random' ? `; repeat it with --checkout-variant ${v.seed}` : '';
  return `Checkout page variant: ${v.name} (${options}${v.seed !== null ? `; seed ${v.seed}` : ''}${repeat})`;
}
