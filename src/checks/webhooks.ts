/**
 * `canary check webhooks`: is the app's webhook handler keeping up, seen from Stripe's API alone
 * (no browser, seconds)? The incident this field grew from — a handler answering 500 after a
 * deploy, customers paying and staying on Free — shows here within a minute: events that should
 * reach the app still pending long after they happened. It fails when the app's endpoint is
 * missing or disabled, or when an event older than `maxAge` that the endpoint subscribes to was
 * not acknowledged by it — judged for the app's endpoint alone, as in the browser run (the
 * emulator's deliveries; the app's own record through the adapter's `eventProcessed`; else
 * `pending_webhooks`, which counts every endpoint, said so). Another app's dead endpoint on the
 * same account never fails it.
 */
import type Stripe from 'stripe';
import { serverNow } from '../cleanup/prune.ts';
import { formatDuration } from '../config/duration.ts';
import type { Settings } from '../config/project.ts';
import { UserError } from '../errors.ts';
import { stripeCall } from '../stripe/assertions.ts';
import type { Throttle } from '../stripe/throttle.ts';
import { appAcknowledgement, isAppEndpoint, type WebhookJudge } from '../stripe/webhooks.ts';
import type { CheckVerdict } from './check.ts';

export interface WebhooksCheckOptions {
  /** An event older than this still waiting for the app's endpoint fails the check. */
  maxAgeMs: number;
  /** How far back events are listed. */
  windowMs: number;
  /** The app's endpoint, over the adapter's (webhookUrl, else the app's origin). */
  endpoint?: string;
}

export interface WebhooksCheckDeps {
  stripe: Stripe;
  /** The emulator's address, whose control API shows each endpoint's deliveries; unset on real Stripe. */
  apiUrl?: string;
  throttle: Throttle;
  /** The adapter's word on an event, when it has one. */
  eventProcessed?: (eventId: string) => Promise<boolean | null>;
}

/** The app's endpoint as the check judges it, from the flag or the settings; a UserError when there is none to judge. */
export function appEndpointTarget(s: Pick<Settings, 'app' | 'appUrl'>, endpoint?: string): WebhookJudge['app'] {
  if (endpoint) return { url: new URL(endpoint).origin, webhookUrl: endpoint };
  if (!s.appUrl)
    throw new UserError(
      `the app "${s.app.name}" has no URL, so its webhook endpoint cannot be told from others: set app.url (or CANARY_APP_URL), or give --endpoint URL`,
    );
  return { url: s.appUrl, webhookUrl: s.app.webhookUrl };
}

/** Every event created since `sinceSec`, newest first, paged in full through the throttle. */
async function eventsSince(d: WebhooksCheckDeps, sinceSec: number): Promise<Stripe.Event[]> {
  const events: Stripe.Event[] = [];
  let startingAfter: string | undefined;
  for (;;) {
    const page = await d.throttle.run(() =>
      stripeCall('listing recent events', () =>
        d.stripe.events.list({ created: { gte: sinceSec }, limit: 100, ...(startingAfter && { starting_after: startingAfter }) }),
      ),
    );
    events.push(...page.data);
    if (!page.has_more || page.data.length === 0) return events;
    startingAfter = page.data.at(-1)!.id;
  }
}

export async function checkWebhooks(app: WebhookJudge['app'], o: WebhooksCheckOptions, d: WebhooksCheckDeps): Promise<CheckVerdict> {
  const where = app.webhookUrl ? new URL(app.webhookUrl, `${app.url}/`).href : `the app's origin ${new URL(app.url).origin}`;
  const title = `webhooks: every event the app's endpoint (${where}) subscribes to is acknowledged within ${formatDuration(o.maxAgeMs)}`;
  // The endpoints first, one page at a time; their answer's Date is Stripe's clock, by which events are aged.
  const endpoints: Stripe.WebhookEndpoint[] = [];
  let now = Date.now();
  let startingAfter: string | undefined;
  for (;;) {
    const page = await d.throttle.run(() =>
      stripeCall('listing webhook endpoints', () => d.stripe.webhookEndpoints.list({ limit: 100, ...(startingAfter && { starting_after: startingAfter }) })),
    );
    if (!startingAfter) now = serverNow(page.lastResponse?.headers);
    endpoints.push(...page.data);
    if (!page.has_more || page.data.length === 0) break;
    startingAfter = page.data.at(-1)!.id;
  }
  const mine = endpoints.filter((e) => isAppEndpoint(app, e.url));
  if (mine.length === 0) {
    return {
      outcome: 'failed',
      title,
      stage: 'webhook',
      error: `No webhook endpoint of the account is for ${where}: Stripe sends the app nothing.`,
      evidence: { app_endpoint: where, endpoints: endpoints.map((e) => ({ id: e.id, url: e.url, status: e.status })) },
    };
  }
  const enabled = mine.filter((e) => e.status === 'enabled');
  if (enabled.length === 0) {
    return {
      outcome: 'failed',
      title,
      stage: 'webhook',
      error: `The app's webhook endpoint ${mine.map((e) => e.id).join(', ')} (${where}) is disabled: Stripe sends the app nothing.`,
      evidence: { app_endpoint: where, endpoints: mine.map((e) => ({ id: e.id, url: e.url, status: e.status })) },
      ids: { webhook_endpoint: mine[0]!.id },
    };
  }
  const subscribed = (type: string) => enabled.some((e) => e.enabled_events.includes('*') || e.enabled_events.includes(type));
  const events = await eventsSince(d, Math.floor((now - o.windowMs) / 1000));
  const judge: WebhookJudge = { stripe: d.stripe, apiUrl: d.apiUrl, app: { ...app, eventProcessed: d.eventProcessed } };
  // Old enough to have been delivered, for the app, and still counted as pending by Stripe.
  const candidates = events.filter((e) => subscribed(e.type) && now - e.created * 1000 >= o.maxAgeMs && e.pending_webhooks > 0);
  const stuck: { event: Stripe.Event; evidence: Record<string, unknown> }[] = [];
  for (const event of candidates) {
    const ack = await appAcknowledgement(judge, event, { detailed: stuck.length === 0 });
    if (!ack.acknowledged) stuck.push({ event, evidence: ack.evidence });
  }
  const age = (e: Stripe.Event) => Math.round((now - e.created * 1000) / 1000);
  if (stuck.length === 0) {
    return {
      outcome: 'passed',
      title: `webhooks: ${events.length} event(s) in the last ${formatDuration(o.windowMs)}; none older than ${formatDuration(o.maxAgeMs)} waits for the app's endpoint (${where})`,
      stage: null,
      error: null,
      evidence: null,
    };
  }
  const first = stuck[0]!;
  return {
    outcome: 'failed',
    title,
    stage: 'webhook',
    error: `${stuck.length} event(s) older than ${formatDuration(o.maxAgeMs)} still wait for the app's endpoint (${where}): ${stuck
      .slice(0, 5)
      .map((x) => `${x.event.id} (${x.event.type}, ${age(x.event)} s old)`)
      .join(', ')}${stuck.length > 5 ? ', …' : ''}.`,
    evidence: {
      ...first.evidence,
      stuck_events: stuck.map((x) => ({ id: x.event.id, type: x.event.type, age_s: age(x.event), pending_webhooks: x.event.pending_webhooks })),
      max_age_ms: o.maxAgeMs,
    },
    ids: { event: first.event.id },
  };
}
