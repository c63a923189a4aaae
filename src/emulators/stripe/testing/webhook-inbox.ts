/**
 * Test helper: a webhook endpoint registered through the SDK for some event types, delivering to
 * a local receiver; every delivery is verified with the endpoint's secret as an app verifies it
 * (`stripe.webhooks.constructEvent`). The endpoint is deleted and the receiver closed after the test.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type Stripe from 'stripe';
import { startReceiver } from './receiver.ts';
import { waitFor } from './sdk.ts';

export interface WebhookInbox {
  /** Every delivered event so far, verified, in arrival order. */
  events(): Stripe.Event[];
  /** The delivered event of `type` about the object `objectId`, waited for (bounded). */
  event(type: string, objectId: string): Promise<Stripe.Event>;
}

export async function webhookInbox(t: TestContext, stripe: Stripe, enabledEvents: string[]): Promise<WebhookInbox> {
  const { url, received } = await startReceiver(t);
  const endpoint = await stripe.webhookEndpoints.create({ url, enabled_events: enabledEvents as Stripe.WebhookEndpointCreateParams.EnabledEvent[] });
  assert.ok(endpoint.secret, 'the secret is returned on create');
  t.after(() => stripe.webhookEndpoints.del(endpoint.id).then(() => undefined));
  const events = () =>
    received.map((r) => {
      const header = r.headers['stripe-signature'];
      assert.equal(typeof header, 'string', 'every delivery is signed');
      return stripe.webhooks.constructEvent(r.body, header as string, endpoint.secret!);
    });
  return {
    events,
    event: async (type, objectId) => {
      const found = await waitFor(
        () => events().find((e) => e.type === type && (e.data.object as { id?: string }).id === objectId),
        `a ${type} webhook about ${objectId}`,
      );
      return found!;
    },
  };
}
