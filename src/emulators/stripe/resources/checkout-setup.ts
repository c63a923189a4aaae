/**
 * Checkout in `setup` mode: the session saves a card for later, charging nothing. Its
 * SetupIntent is made with the session (`setup_intent`, with `setup_intent_data`'s description and
 * metadata) and confirmed when the page is submitted, by the setup intents' own confirmation
 * (resources/setup-intents.ts): a good card is saved and attached to the session's customer (one
 * Checkout creates with `customer_creation=always`), a declining one fails, a 3D Secure card asks
 * for the challenge first. An expired session cancels its SetupIntent.
 */
import { z } from 'zod';
import { AUTH_FAILED, type CardDecline, type ThreeDSResult } from '../cards.ts';
import type { Emulator } from '../context.ts';
import { invalidRequest } from '../errors.ts';
import type { RequestInfo } from '../events.ts';
import { newId } from '../ids.ts';
import { mergeMetadata, metadata, str } from '../params.ts';
import type { StripeObject } from '../store.ts';
import { confirmSetupIntent, markMadeByCheckout, newSetupIntent } from './setup-intents.ts';

/** `setup_intent_data`: passed to the SetupIntent a `setup` mode session makes. */
export const setupIntentDataParam = z.strictObject({
  description: str(1000).optional(),
  metadata: metadata().optional(),
  on_behalf_of: str().optional(),
});
export type SetupIntentDataParam = z.output<typeof setupIntentDataParam>;

/** Stripe's checks of `setup_intent_data` (only in `setup` mode; no Connect here). */
export function validateSetupIntentData(d: SetupIntentDataParam | undefined, mode: string): void {
  if (!d) return;
  if (mode !== 'setup') throw invalidRequest(`You can not pass \`setup_intent_data\` in \`${mode}\` mode.`, 'setup_intent_data');
  if (d.on_behalf_of !== undefined) {
    throw invalidRequest(
      '`setup_intent_data[on_behalf_of]` is for Connect platforms (the account the setup is for), which the emulator does not serve.',
      'setup_intent_data[on_behalf_of]',
    );
  }
}

/**
 * The session's SetupIntent, as Stripe shows one Checkout made: its customer (when the session
 * has one), the card as its only method, `setup_intent_data`'s description and metadata.
 */
export function newSessionSetupIntent(emu: Emulator, sessionId: string, customer: string | null, d: SetupIntentDataParam | undefined): StripeObject {
  const si = {
    ...newSetupIntent(newId('setup_intent'), emu.clock.now()),
    customer,
    description: d?.description ?? null,
    metadata: mergeMetadata({}, d?.metadata),
  };
  markMadeByCheckout(emu, si.id, sessionId);
  return si;
}

export type SetupOutcome = { status: 'succeeded' } | { status: 'requires_action' } | { status: 'declined'; decline: CardDecline };

/**
 * Confirms the session's SetupIntent with the card entered: its customer first (one Checkout
 * created now), then the setup intents' own confirmation. The answer to a 3D Secure challenge
 * (`threeDS`) finishes the confirmation that asked for it: authenticated, the card is saved;
 * failed, the intent wants another card, as after a decline.
 */
export function confirmSessionSetup(
  emu: Emulator,
  session: StripeObject,
  customer: StripeObject | null,
  pm: StripeObject,
  threeDS: ThreeDSResult | undefined,
  request: RequestInfo,
): SetupOutcome {
  return confirmCheckoutSetupIntent(emu, emu.store.get(session.setup_intent)!, customer, pm, threeDS, request);
}

/**
 * Confirms a SetupIntent Checkout made — a setup session's, or the one that checks the card of a
 * subscription that starts with a trial — with the card entered, 3D Secure challenged as a setup is.
 */
export function confirmCheckoutSetupIntent(
  emu: Emulator,
  si: StripeObject,
  customer: StripeObject | null,
  pm: StripeObject,
  threeDS: ThreeDSResult | undefined,
  request: RequestInfo,
): SetupOutcome {
  if (customer && !si.customer) si.customer = customer.id;
  if (threeDS === undefined) {
    const decline = confirmSetupIntent(emu, si as never, pm, request);
    if (decline) return { status: 'declined', decline };
    return si.status === 'requires_action' ? { status: 'requires_action' } : { status: 'succeeded' };
  }
  if (threeDS === 'failed') {
    const decline: CardDecline = { ...AUTH_FAILED, code: 'setup_intent_authentication_failure' };
    Object.assign(si, {
      status: 'requires_payment_method',
      payment_method: null,
      next_action: null,
      last_setup_error: { type: 'card_error', code: decline.code, message: decline.message, payment_method: structuredClone(pm) },
    });
    emu.events.emit('setup_intent.setup_failed', si, request);
    return { status: 'declined', decline };
  }
  // Authenticated: setting up charges nothing, so the card is saved (attached to the customer).
  if (customer && pm.customer !== customer.id) emu.billing.attach(pm, customer, request);
  Object.assign(si, { status: 'succeeded', next_action: null, last_setup_error: null });
  emu.events.emit('setup_intent.succeeded', si, request);
  return { status: 'succeeded' };
}

/** The SetupIntent of a session that expired is canceled with it (`abandoned`). */
export function cancelSessionSetup(emu: Emulator, session: StripeObject, request: RequestInfo): void {
  const si = session.setup_intent ? emu.store.get(session.setup_intent) : undefined;
  if (!si || !['requires_payment_method', 'requires_confirmation', 'requires_action'].includes(si.status)) return;
  Object.assign(si, { status: 'canceled', cancellation_reason: 'abandoned', next_action: null });
  emu.events.emit('setup_intent.canceled', si, request);
}
