/**
 * Whether *the app's* webhook endpoint acknowledged an event, judged for that endpoint alone:
 * other endpoints of the account (staging, a developer's tunnel, a dead preview) must not raise
 * an alarm. On the emulator the verdict comes from its deliveries to the app's endpoint (its
 * configured webhook URL, else any endpoint on the app's origin); on real Stripe, whose API
 * shows no per-endpoint deliveries, from the app's own record of the events it processed (the
 * adapter's `eventProcessed`) where it has one, else — saying so — from `pending_webhooks`, which
 * counts every endpoint of the account. Every failure names each endpoint with its own answers.
 */
import type Stripe from 'stripe';
import type { DeliveryRecord } from '../emulators/stripe/webhooks.ts';
import { StripeStateMismatch, WebhookNotAcknowledged, type Evidence } from '../errors.ts';
import { stripeCall } from './assertions.ts';

/**
 * The events an app turns into a plan change, which its endpoint must be subscribed to (unless its
 * adapter names others): after a refused card, the app must have acknowledged each of these about
 * the customer before its plan is read.
 */
export const PLAN_EVENTS = [
  'checkout.session.completed',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'invoice.paid',
  'invoice.payment_failed',
];

export interface WebhookJudge {
  stripe: Stripe;
  /** The emulator's address (its control API shows deliveries); unset on real Stripe. */
  apiUrl?: string;
  app: {
    /** The app's base URL. */
    url: string;
    /** The app's endpoint (absolute, or a path on `url`); unset: any endpoint on the app's origin. */
    webhookUrl?: string;
    /** The app's own word on an event (true/false), or null when it cannot tell. */
    eventProcessed?: (eventId: string) => Promise<boolean | null>;
  };
}

/** Whether an endpoint URL is the app's. */
export function isAppEndpoint(app: WebhookJudge['app'], endpointUrl: string): boolean {
  if (app.webhookUrl) return endpointUrl === new URL(app.webhookUrl, `${app.url}/`).href;
  try {
    return new URL(endpointUrl).origin === new URL(app.url).origin;
  } catch {
    return false;
  }
}

/** The app's endpoint as the evidence names it. */
function appEndpointOf(app: WebhookJudge['app']): string {
  return app.webhookUrl ? new URL(app.webhookUrl, `${app.url}/`).href : `any endpoint on ${new URL(app.url).origin}`;
}

/** One delivery attempt as the emulator's control API reports it (the emulator's own type; only its shape crosses, over HTTP). */
export type Delivery = Pick<DeliveryRecord, 'event_id' | 'endpoint_id' | 'url' | 'attempt' | 'status' | 'error'>;

/** One endpoint's answers to one event, for the evidence. */
export interface EndpointAnswers {
  endpoint_id: string;
  url: string;
  /** True for the app under test. */
  app: boolean;
  /** Each attempt's HTTP status, or what went wrong ('timeout', …). */
  answers: (number | string)[];
}

export interface Acknowledgement {
  acknowledged: boolean;
  evidence: Evidence;
}

const ok = (d: Delivery) => d.status !== null && d.status >= 200 && d.status < 300;

/** The emulator's record of an event's deliveries; null where there is none (real Stripe, another mock). */
export async function deliveriesOf(apiUrl: string | undefined, eventId: string): Promise<Delivery[] | null> {
  if (!apiUrl) return null;
  try {
    const res = await fetch(`${apiUrl.replace(/\/$/, '')}/_emulator/webhook-deliveries?event=${encodeURIComponent(eventId)}`, {
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) return null;
    return ((await res.json()) as { data: Delivery[] }).data;
  } catch {
    return null;
  }
}

function endpointAnswers(deliveries: Delivery[], app: WebhookJudge['app']): EndpointAnswers[] {
  const by = new Map<string, EndpointAnswers>();
  for (const d of [...deliveries].sort((a, b) => a.attempt - b.attempt)) {
    let e = by.get(d.endpoint_id);
    if (!e) by.set(d.endpoint_id, (e = { endpoint_id: d.endpoint_id, url: d.url, app: isAppEndpoint(app, d.url), answers: [] }));
    e.answers.push(d.status ?? d.error ?? 'no answer');
  }
  return [...by.values()].sort((a, b) => Number(b.app) - Number(a.app));
}

/** How many endpoints of the account are enabled (evidence on real Stripe); null when the key may not list them. */
async function enabledEndpoints(stripe: Stripe): Promise<number | null> {
  try {
    let n = 0;
    for await (const e of stripe.webhookEndpoints.list({ limit: 100 })) if (e.status === 'enabled') n++;
    return n;
  } catch {
    return null;
  }
}

/** Whether the app's endpoint acknowledged `event`, and what each endpoint answered. */
export async function appAcknowledgement(judge: WebhookJudge, event: Stripe.Event, options: { detailed?: boolean } = {}): Promise<Acknowledgement> {
  const base = { event: { id: event.id, type: event.type }, pending_webhooks: event.pending_webhooks, app_endpoint: appEndpointOf(judge.app) };
  const deliveries = await deliveriesOf(judge.apiUrl, event.id);
  if (deliveries) {
    const mine = deliveries.filter((d) => isAppEndpoint(judge.app, d.url));
    return {
      acknowledged: mine.some(ok),
      evidence: { ...base, verdict_from: "the emulator's deliveries to the app's endpoint", endpoints: endpointAnswers(deliveries, judge.app) },
    };
  }
  const detail = options.detailed ? { enabled_endpoints: await enabledEndpoints(judge.stripe) } : {};
  const processed = judge.app.eventProcessed ? await judge.app.eventProcessed(event.id) : null;
  if (processed !== null) {
    return { acknowledged: processed, evidence: { ...base, verdict_from: "the app's record of the events it processed", app_processed: processed, ...detail } };
  }
  return {
    acknowledged: event.pending_webhooks === 0,
    evidence: {
      ...base,
      verdict_from: "Stripe's pending_webhooks, which counts every endpoint of the account (the adapter has no eventProcessed to judge the app's alone)",
      ...detail,
    },
  };
}

/** One line on what the app's endpoint did with the event, for the message. */
function answered(evidence: Evidence): string {
  const endpoints = evidence.endpoints as EndpointAnswers[] | undefined;
  if (!endpoints) {
    return evidence.app_processed === false
      ? `the app has no record of processing it (pending_webhooks ${String(evidence.pending_webhooks)}, counting every endpoint of the account)`
      : `Stripe still counts ${String(evidence.pending_webhooks)} pending delivery(ies) across every endpoint of the account`;
  }
  const mine = endpoints.find((e) => e.app);
  const others = endpoints.filter((e) => !e.app);
  return `${mine ? `it answered ${mine.answers.join(', ')}` : 'no delivery to it was attempted'}${others.length ? `; ${others.length} other endpoint(s) of the account: ${others.map((e) => `${e.url} answered ${e.answers.join(', ')}`).join('; ')}` : ''}`;
}

async function poll<T>(timeoutMs: number, pollMs: number, attempt: () => Promise<T | undefined>): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const done = await attempt();
    if (done !== undefined || Date.now() >= deadline) return done;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** The checkout.session.completed event of a session. */
export async function completedEvent(stripe: Stripe, sessionId: string): Promise<Stripe.Event | undefined> {
  for await (const event of stripe.events.list({ type: 'checkout.session.completed', limit: 100 })) {
    if ((event.data.object as Stripe.Checkout.Session).id === sessionId) return event;
  }
  return undefined;
}

/**
 * Waits (bounded) until the app's endpoint acknowledged the session's checkout.session.completed;
 * otherwise WebhookNotAcknowledged with what each endpoint answered.
 */
export async function waitForWebhookAcknowledged(
  judge: WebhookJudge,
  sessionId: string,
  options: { timeoutMs: number; pollMs?: number },
): Promise<Stripe.Event> {
  let event: Stripe.Event | undefined;
  const done = await poll(options.timeoutMs, options.pollMs ?? 250, async () => {
    event = await stripeCall('reading the checkout.session.completed event', async () =>
      event ? judge.stripe.events.retrieve(event.id) : completedEvent(judge.stripe, sessionId),
    );
    return event && (await appAcknowledgement(judge, event)).acknowledged ? event : undefined;
  });
  if (done) return done;
  if (!event)
    throw new StripeStateMismatch(`Stripe recorded no checkout.session.completed event for ${sessionId} within ${options.timeoutMs} ms.`, {
      session: sessionId,
    });
  const { evidence } = await appAcknowledgement(judge, event, { detailed: true });
  throw new WebhookNotAcknowledged(
    `The app's webhook endpoint never acknowledged ${event.type} ${event.id} within ${options.timeoutMs} ms: ${answered(evidence)}.`,
    {
      ...evidence,
      timeout_ms: options.timeoutMs,
    },
  );
}

/** The events about the customer since `sinceSec` (of `types`), newest first. */
export async function customerEvents(stripe: Stripe, customerId: string, sinceSec: number, types?: string[]): Promise<Stripe.Event[]> {
  const mine: Stripe.Event[] = [];
  await stripeCall('listing the events of the customer', async () => {
    for await (const event of stripe.events.list({ created: { gte: sinceSec }, ...(types && { types }), limit: 100 })) {
      if (customerOf(event) === customerId) mine.push(event);
    }
  });
  return mine;
}

function customerOf(event: Stripe.Event): string | null {
  const object = event.data.object as { id?: string; object?: string; customer?: string | { id: string } | null };
  if (object.object === 'customer') return object.id ?? null;
  return typeof object.customer === 'string' ? object.customer : (object.customer?.id ?? null);
}

/**
 * Waits (bounded) until the app's endpoint acknowledged every event about the customer since
 * `sinceSec` (of `types`), so what the app shows afterwards is what it will keep showing. With
 * `expect`, it also waits until Stripe has sent an event of each of those types that is not among
 * `before` (the ids seen before the action that should cause them): Stripe lists a new event a
 * moment after the change that makes it.
 */
export async function waitForCustomerEventsAcknowledged(
  judge: WebhookJudge,
  customerId: string,
  options: { sinceSec: number; types?: string[]; timeoutMs: number; pollMs?: number; expect?: { types: string[]; before: ReadonlySet<string> } },
): Promise<Stripe.Event[]> {
  let pending: Stripe.Event[] = [];
  let missing: string[] = [];
  const done = await poll(options.timeoutMs, options.pollMs ?? 250, async () => {
    const mine = await customerEvents(judge.stripe, customerId, options.sinceSec, options.types);
    const fresh = new Set(mine.filter((e) => !options.expect?.before.has(e.id)).map((e) => e.type as string));
    missing = (options.expect?.types ?? []).filter((t) => !fresh.has(t));
    if (missing.length > 0) return undefined;
    pending = [];
    for (const event of mine) if (!(await appAcknowledgement(judge, event)).acknowledged) pending.push(event);
    return pending.length === 0 ? mine : undefined;
  });
  if (done) return done;
  if (missing.length > 0) {
    throw new StripeStateMismatch(`Stripe sent no ${missing.join(', ')} about customer ${customerId} within ${options.timeoutMs} ms.`, {
      customer: customerId,
      missing_events: missing,
      timeout_ms: options.timeoutMs,
    });
  }
  const { evidence } = await appAcknowledgement(judge, pending[0]!, { detailed: true });
  throw new WebhookNotAcknowledged(
    `The app's webhook endpoint never acknowledged ${pending.map((e) => `${e.type} ${e.id}`).join(', ')} within ${options.timeoutMs} ms: for ${pending[0]!.id}, ${answered(evidence)}.`,
    { ...evidence, pending_events: pending.map((e) => ({ id: e.id, type: e.type })), timeout_ms: options.timeoutMs },
  );
}
