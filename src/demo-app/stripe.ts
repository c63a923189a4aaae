/**
 * The app's Stripe integration, as production code does it: a configured client, the catalogue
 * found by lookup key (created idempotently only when missing), and the webhook endpoint.
 */
import Stripe from 'stripe';

export const PRO_LOOKUP_KEY = 'canary_pro_monthly';
/** Used only by the `wrong-price` fault. */
export const WRONG_LOOKUP_KEY = 'canary_pro_monthly_legacy';

export const WEBHOOK_EVENTS: Stripe.WebhookEndpointCreateParams.EnabledEvent[] = [
  'checkout.session.completed',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'invoice.paid',
  'invoice.payment_failed',
];

type HttpClient = ReturnType<typeof Stripe.createNodeHttpClient>;

/**
 * The SDK does not retry 429s; production code backs off and sends them again (a 429 was not
 * carried out, so the same request and Idempotency-Key are safe). The harness has its own copy
 * (src/stripe/rate-limits.ts): the app is a separate program and shares no code with it.
 */
function backingOffOn429(inner: HttpClient, retries = 4): HttpClient {
  class BackOffOn429 extends Stripe.HttpClient {
    override getClientName(): string {
      return inner.getClientName();
    }
    override async makeRequest(...args: Parameters<HttpClient['makeRequest']>): ReturnType<HttpClient['makeRequest']> {
      for (let attempt = 0; ; attempt++) {
        const res = await inner.makeRequest(...args);
        if (res.getStatusCode() !== 429 || attempt >= retries) return res;
        res.dispose?.();
        await new Promise((resolve) => setTimeout(resolve, Math.min(8_000, 500 * 2 ** attempt) * (0.5 + Math.random() / 2)));
      }
    }
  }
  return new BackOffOn429() as unknown as HttpClient;
}

/** A client for api.stripe.com, or for `apiUrl` (the emulator) when given. */
export function stripeClient(secretKey: string, apiUrl?: string): Stripe {
  const target = apiUrl ? new URL(apiUrl) : undefined;
  return new Stripe(secretKey, {
    ...(target && {
      host: target.hostname,
      port: Number(target.port || (target.protocol === 'https:' ? 443 : 80)),
      protocol: target.protocol === 'https:' ? 'https' : 'http',
    }),
    // Stripe's 5xx and dropped connections are retried (POSTs with an Idempotency-Key, so never twice).
    maxNetworkRetries: 5,
    httpClient: backingOffOn429(Stripe.createNodeHttpClient()),
    timeout: 15_000,
    telemetry: false,
    appInfo: { name: 'checkout-canary-demo-app' },
  });
}

async function findPrice(stripe: Stripe, lookupKey: string): Promise<Stripe.Price | undefined> {
  const found = await stripe.prices.list({ lookup_keys: [lookupKey], active: true, limit: 1 });
  // A Stripe URL that answers something else (a proxy's {}) is named, not a TypeError.
  if (!Array.isArray(found?.data)) throw new Error(`Stripe answered GET /v1/prices with ${JSON.stringify(found).slice(0, 200)}, which is not a list of prices`);
  return found.data[0];
}

/** The price with `lookupKey`, created (with its product) only when missing, idempotently. */
export async function ensurePrice(
  stripe: Stripe,
  lookupKey: string,
  spec: { productName: string; unitAmount: number; currency: string; interval: 'month' | 'year' },
): Promise<Stripe.Price> {
  const existing = await findPrice(stripe, lookupKey);
  if (existing) return existing;
  const product = await stripe.products.create(
    { name: spec.productName, metadata: { lookup_key: lookupKey } },
    { idempotencyKey: `demo-app-product-${lookupKey}` },
  );
  try {
    return await stripe.prices.create(
      { product: product.id, unit_amount: spec.unitAmount, currency: spec.currency, recurring: { interval: spec.interval }, lookup_key: lookupKey },
      { idempotencyKey: `demo-app-price-${lookupKey}` },
    );
  } catch (err) {
    // Another instance starting at the same moment may have taken the lookup key first.
    const raced = await findPrice(stripe, lookupKey);
    if (raced) return raced;
    throw err;
  }
}

/**
 * Registers `url` for the events the app handles, with `metadata` (so a left-over endpoint can be
 * found later), and returns its id and secret. An earlier endpoint with the same URL (a previous
 * start of this app) is replaced; endpoints of other URLs are never touched.
 */
export async function registerWebhookEndpoint(stripe: Stripe, url: string, metadata: Record<string, string> = {}): Promise<{ id: string; secret: string }> {
  for await (const endpoint of stripe.webhookEndpoints.list({ limit: 100 })) {
    if (endpoint.url !== url) continue;
    try {
      await stripe.webhookEndpoints.del(endpoint.id);
    } catch (err) {
      // Another instance starting at the same moment may have deleted it first.
      if (!isMissing(err)) throw err;
    }
  }
  const created = await stripe.webhookEndpoints.create({ url, enabled_events: WEBHOOK_EVENTS, description: 'checkout-canary demo app', metadata });
  return { id: created.id, secret: created.secret! };
}

/**
 * Deletes the endpoint `id` (the one this app registered), waiting at most `timeoutMs`: an
 * endpoint already gone counts as deleted. Answers what happened instead of throwing, so that
 * closing the app never fails or hangs on Stripe.
 */
export async function deleteWebhookEndpoint(stripe: Stripe, id: string, timeoutMs = 5000): Promise<{ deleted: true } | { deleted: false; error: string }> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<{ deleted: false; error: string }>((resolve) => {
    timer = setTimeout(() => resolve({ deleted: false, error: `Stripe did not answer within ${timeoutMs} ms` }), timeoutMs);
    timer.unref();
  });
  const attempt = stripe.webhookEndpoints.del(id, {}, { timeout: timeoutMs, maxNetworkRetries: 0 }).then(
    () => ({ deleted: true as const }),
    (err: unknown) => (isMissing(err) ? { deleted: true as const } : { deleted: false as const, error: (err as Error).message }),
  );
  try {
    return await Promise.race([attempt, bound]);
  } finally {
    clearTimeout(timer);
  }
}

function isMissing(err: unknown): boolean {
  return err instanceof Stripe.errors.StripeError && (err.statusCode === 404 || err.code === 'resource_missing');
}
