/**
 * Records state changes as Stripe events and hands them to the webhook dispatcher.
 * `data.object` is a snapshot of the object at the time; updates carry `previous_attributes`
 * with the old values of what changed (nested objects reduced to their changed keys).
 */
import { newId } from './ids.ts';
import { blank } from './objects.ts';
import type { Clock } from './clock.ts';
import type { Store, StripeObject } from './store.ts';
import type { WebhookDispatcher } from './webhooks.ts';

/** The API version of the official SDK this emulator serves (stripe@23). */
export const API_VERSION = '2026-10-28.endive';

export interface RequestInfo {
  id: string | null;
  idempotency_key: string | null;
}

const isPlain = (v: unknown): v is StripeObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Old values of everything that differs between `before` and `after`, as Stripe reports them. */
export function previousAttributes(before: StripeObject, after: StripeObject): StripeObject | null {
  const prev: StripeObject = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const a = before[key];
    const b = after[key];
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    if (isPlain(a) && isPlain(b) && a.object !== 'list' && key !== 'metadata') {
      prev[key] = previousAttributes(a, b) ?? {};
    } else if (key === 'metadata' && isPlain(a) && isPlain(b)) {
      // Stripe lists the changed metadata keys with their old values (null for added ones).
      const changed: StripeObject = {};
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) if (a[k] !== b[k]) changed[k] = a[k] ?? null;
      prev[key] = changed;
    } else {
      prev[key] = a === undefined ? null : a;
    }
  }
  return Object.keys(prev).length ? prev : null;
}

export class EventLog {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly dispatcher: WebhookDispatcher,
  ) {}

  /** Records `type` for `object` (snapshotted now) and schedules its webhooks. */
  emit(type: string, object: StripeObject, request: RequestInfo, before?: StripeObject): StripeObject {
    const targets = this.store
      .all('webhook_endpoint')
      .filter((we) => we.status === 'enabled' && (we.enabled_events.includes('*') || we.enabled_events.includes(type)))
      // Every event here is the account's own: a Connect endpoint receives connected accounts' events only.
      .filter((we) => !this.store.extras.get(we.id)?.connect)
      .map((we) => ({ id: we.id, url: we.url, secret: this.store.secrets.get(we.id)! }));
    const snapshot = structuredClone(object);
    const data: StripeObject = { object: snapshot };
    if (before && type.endsWith('.updated')) {
      const prev = previousAttributes(before, snapshot);
      if (prev) data.previous_attributes = prev;
    }
    const event = Object.assign(blank('event', { id: newId('event'), created: this.clock.now() }), {
      api_version: API_VERSION,
      data,
      pending_webhooks: targets.length,
      request: { id: request.id, idempotency_key: request.idempotency_key },
      type,
    });
    // Keep the per-endpoint acknowledgement state beside the event, out of its API shape.
    this.pending.set(event.id, new Set(targets.map((t) => t.id)));
    this.store.insert(event);
    if (targets.length) {
      const send = () => this.dispatcher.enqueue(event.id, JSON.stringify(event, null, 2), targets);
      if (this.held) this.held.push({ eventId: event.id, send });
      else send();
    }
    return event;
  }

  /** Deliveries of events emitted while held, waiting for release(). */
  private held: { eventId: string; send: () => void }[] | null = null;

  /**
   * Holds back the webhooks of the events emitted from now on, until release(): a request whose
   * changes may still be rolled back must not have told any endpoint about them.
   */
  hold(): void {
    this.held ??= [];
  }

  /** Sends the held webhooks (`send`), or forgets them when the changes were rolled back. */
  release(send: boolean): void {
    const held = this.held ?? [];
    this.held = null;
    for (const h of held) {
      if (send) h.send();
      else this.pending.delete(h.eventId);
    }
  }

  private readonly pending = new Map<string, Set<string>>();

  /** Called by the dispatcher on an endpoint's first 2xx for the event. */
  acknowledged(eventId: string, endpointId: string): void {
    const waiting = this.pending.get(eventId);
    const event = this.store.find('event', eventId);
    if (!waiting || !event || !waiting.delete(endpointId)) return;
    event.pending_webhooks = waiting.size;
    if (waiting.size === 0) this.pending.delete(eventId);
  }

  /**
   * Sends again every event (or the one named) still waiting for an endpoint, to the endpoints
   * still waiting for it that exist and are enabled — as Stripe's own retries, which go on for
   * days, and its Dashboard's "Resend" do. The compressed retry schedule gives up in seconds, so
   * this is how a test shows an endpoint catching up once its fault is fixed.
   */
  resendPending(eventId?: string): { event: string; endpoints: string[] }[] {
    const resent: { event: string; endpoints: string[] }[] = [];
    for (const [id, waiting] of this.pending) {
      if (eventId !== undefined && id !== eventId) continue;
      const event = this.store.find('event', id);
      if (!event || this.held?.some((h) => h.eventId === id)) continue;
      const targets = [...waiting]
        .map((endpointId) => this.store.find('webhook_endpoint', endpointId))
        .filter((we): we is StripeObject => we !== undefined && we.status === 'enabled')
        .map((we) => ({ id: we.id as string, url: we.url as string, secret: this.store.secrets.get(we.id as string)! }));
      if (targets.length === 0) continue;
      this.dispatcher.enqueue(id, JSON.stringify(event, null, 2), targets);
      resent.push({ event: id, endpoints: targets.map((t) => t.id) });
    }
    return resent;
  }

  reset(): void {
    this.pending.clear();
  }
}
