/** Events (read-only) and webhook endpoints (the secret is shown on create only). */
import type Stripe from 'stripe';
import { route, type Emulator, type ResourceModule } from '../context.ts';
import { invalidRequest } from '../errors.ts';
import { newId, randomToken } from '../ids.ts';
import { paginate } from '../lists.ts';
import { blank } from '../objects.ts';
import { arrayOf, bool, listParams, mergeMetadata, metadata, nonEmpty, str } from '../params.ts';
import { mustFind } from './shared.ts';

function checkUrl(url: string | undefined): void {
  if (url === undefined) return;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidRequest(`Invalid URL: ${url}`, 'url', 'url_invalid');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw invalidRequest(`Invalid URL: ${url}. URLs must begin with http:// or https://`, 'url', 'url_invalid');
  }
}

function checkEvents(events: string[] | undefined): void {
  for (const e of events ?? []) {
    if (e !== '*' && !/^[a-z_]+(\.[a-z_]+)+$/.test(e)) {
      throw invalidRequest(`Invalid enabled_events[]: ${e} is not a valid event type`, 'enabled_events');
    }
  }
}

/** `secret` is in the SDK's type because create answers it; the stored endpoint never has it. */
export type WebhookEndpoint = Stripe.WebhookEndpoint;

/** The stored endpoint, typed: the store keeps plain records, so the type is asserted at this boundary only. */
const findEndpoint = (emu: Pick<Emulator, 'store'>, id: string): WebhookEndpoint =>
  mustFind(emu, 'webhook_endpoint', id, 'webhook_endpoint') as WebhookEndpoint;

const fields = {
  description: str().optional(),
  metadata: metadata().optional(),
};

export const webhookEndpoints: ResourceModule = {
  routes: [
    route(
      'GET',
      '/v1/events',
      { ...listParams, type: str().optional(), types: arrayOf(str(), 20).optional(), delivery_success: bool().optional() },
      ({ params: p, emu }) => {
        if (p.type !== undefined && p.types !== undefined) {
          throw invalidRequest('You may only specify one of these parameters: type, types.', 'types');
        }
        // `type` accepts a `*` wildcard, as in `customer.*`.
        const typeMatch = p.type === undefined ? null : new RegExp(`^${p.type.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*')}$`);
        const all = emu.store
          .all('event')
          .filter(
            (e) =>
              (typeMatch === null || typeMatch.test(e.type)) &&
              (p.types === undefined || p.types.includes(e.type)) &&
              (p.delivery_success === undefined || (e.pending_webhooks === 0) === p.delivery_success),
          );
        return paginate(all, p, '/v1/events', 'event');
      },
    ),
    route('GET', '/v1/events/:id', {}, ({ path, emu }) => mustFind(emu, 'event', path.id!, 'event')),

    route(
      'POST',
      '/v1/webhook_endpoints',
      { ...fields, url: nonEmpty(), enabled_events: arrayOf(nonEmpty(), 300), api_version: str().optional(), connect: bool().optional() },
      ({ params: p, emu }) => {
        checkUrl(p.url);
        checkEvents(p.enabled_events);
        if (p.enabled_events.length === 0) throw invalidRequest('Missing required param: enabled_events.', 'enabled_events', 'parameter_missing');
        // objects.ts's template is untyped; it has exactly Stripe.WebhookEndpoint's keys (checked against stripe-node 23).
        const we = blank('webhook_endpoint', { id: newId('webhook_endpoint'), created: emu.clock.now() }) as WebhookEndpoint;
        Object.assign(we, {
          api_version: p.api_version ?? null,
          description: p.description ?? null,
          enabled_events: p.enabled_events,
          metadata: mergeMetadata({}, p.metadata),
          status: 'enabled',
          url: p.url,
        } satisfies Partial<WebhookEndpoint>);
        const secret = `whsec_${randomToken(32)}`;
        emu.store.insert(we);
        emu.store.secrets.set(we.id, secret);
        // A Connect endpoint (connect=true) receives the events of connected accounts. The emulator
        // has none, so it is never sent the account's own events (events.ts). Not part of the
        // endpoint object Stripe returns: kept beside it.
        if (p.connect) emu.store.extras.set(we.id, { connect: true });
        return { ...we, secret } satisfies WebhookEndpoint;
      },
    ),
    route('GET', '/v1/webhook_endpoints', listParams, ({ params: p, emu }) =>
      paginate(emu.store.all('webhook_endpoint'), p, '/v1/webhook_endpoints', 'webhook_endpoint'),
    ),
    route('GET', '/v1/webhook_endpoints/:id', {}, ({ path, emu }) => findEndpoint(emu, path.id!)),
    route(
      'POST',
      '/v1/webhook_endpoints/:id',
      { ...fields, url: nonEmpty().optional(), enabled_events: arrayOf(nonEmpty(), 300).optional(), disabled: bool().optional() },
      ({ params: p, path, emu }) => {
        const we = findEndpoint(emu, path.id!);
        checkUrl(p.url);
        checkEvents(p.enabled_events);
        if (p.url !== undefined) we.url = p.url;
        if (p.enabled_events !== undefined) we.enabled_events = p.enabled_events;
        if (p.description !== undefined) we.description = p.description === '' ? null : p.description;
        if (p.disabled !== undefined) we.status = p.disabled ? 'disabled' : 'enabled';
        we.metadata = mergeMetadata(we.metadata, p.metadata);
        return we;
      },
    ),
    route('DELETE', '/v1/webhook_endpoints/:id', {}, ({ path, emu }) => {
      const we = findEndpoint(emu, path.id!);
      emu.store.secrets.delete(we.id);
      return emu.store.remove(we.id);
    }),
  ],
};
