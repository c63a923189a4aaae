// Refunds through the official SDK: full and partial, by charge or payment intent; the charge's
// amount_refunded, refunded and refunds; refusing more than what is left; update, list, cancel;
// Stripe's errors; and the refund.* / charge.refunded / charge.refund.updated webhooks.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type Stripe from 'stripe';
import { assertInvalid, failure, useApiEmulator } from './testing/api-kit.ts';
import { assertShape } from './testing/shape.ts';
import { webhookInbox } from './testing/webhook-inbox.ts';

let stripe: Stripe;
useApiEmulator((a) => {
  stripe = a.stripe;
});

/** A succeeded card payment of `amount` cents. */
async function paid(amount = 3000): Promise<{ pi: Stripe.PaymentIntent; charge: string }> {
  const pi = await stripe.paymentIntents.create({
    amount,
    currency: 'usd',
    allowed_payment_method_types: ['card'],
    payment_method: 'pm_card_visa',
    confirm: true,
  });
  assert.equal(pi.status, 'succeeded');
  return { pi, charge: pi.latest_charge as string };
}

describe('refunds', () => {
  it('refunds part of a payment by payment intent, then the rest by charge; a third refund is refused', async () => {
    const { pi, charge } = await paid(3000);
    const first = await stripe.refunds.create({ payment_intent: pi.id, amount: 1000, reason: 'requested_by_customer', metadata: { ticket: 'T-1' } });
    assertShape(first, 'refund');
    assert.match(first.id, /^re_/);
    assert.equal(first.object, 'refund');
    assert.equal(first.amount, 1000);
    assert.equal(first.currency, 'usd');
    assert.equal(first.charge, charge);
    assert.equal(first.payment_intent, pi.id);
    assert.equal(first.status, 'succeeded');
    assert.equal(first.reason, 'requested_by_customer');
    assert.deepEqual(first.metadata, { ticket: 'T-1' });

    const partly = await stripe.charges.retrieve(charge);
    assertShape(partly, 'charge');
    assert.equal(partly.amount_refunded, 1000);
    assert.equal(partly.refunded, false);
    assert.deepEqual(
      partly.refunds?.data.map((r) => r.id),
      [first.id],
    );

    const rest = await stripe.refunds.create({ charge });
    assert.equal(rest.amount, 2000, 'without an amount, what is left');
    const full = await stripe.charges.retrieve(charge);
    assert.equal(full.amount_refunded, 3000);
    assert.equal(full.refunded, true);
    assert.deepEqual(
      full.refunds?.data.map((r) => r.id),
      [rest.id, first.id],
      'newest first',
    );
    assert.equal((await stripe.paymentIntents.retrieve(pi.id)).status, 'succeeded', 'the payment intent stays succeeded');

    const again = await failure(stripe.refunds.create({ charge }));
    assertInvalid(again, 400, undefined, 'charge_already_refunded', `Charge ${charge} has already been refunded.`);
  });

  it('refuses more than is left to refund, with Stripe’s message, and changes nothing', async () => {
    const { charge } = await paid(2500);
    const tooMuch = await failure(stripe.refunds.create({ charge, amount: 3000 }));
    assertInvalid(tooMuch, 400, 'amount', undefined, 'Refund amount ($30.00) is greater than charge amount ($25.00)');
    await stripe.refunds.create({ charge, amount: 1500 });
    const overRest = await failure(stripe.refunds.create({ charge, amount: 1001 }));
    assertInvalid(overRest, 400, 'amount', undefined, 'Refund amount ($10.01) is greater than unrefunded amount on charge ($10.00)');
    const after = await stripe.charges.retrieve(charge);
    assert.equal(after.amount_refunded, 1500);
    assert.equal((await stripe.refunds.list({ charge })).data.length, 1);
  });

  it('retrieves, updates metadata, lists by charge and payment intent, and cannot cancel a card refund', async () => {
    const a = await paid(1000);
    const b = await paid(1000);
    const ra = await stripe.refunds.create({ charge: a.charge, amount: 100 });
    const rb = await stripe.refunds.create({ payment_intent: b.pi.id, amount: 200 });
    const retrieved = await stripe.refunds.retrieve(ra.id);
    const { lastResponse: _x, ...created } = ra;
    const { lastResponse: _y, ...again } = retrieved;
    assert.deepEqual(again, created);

    const updated = await stripe.refunds.update(ra.id, { metadata: { note: 'goodwill' } });
    assertShape(updated, 'refund');
    assert.deepEqual(updated.metadata, { note: 'goodwill' });
    const onCharge = await stripe.charges.retrieve(a.charge);
    assert.deepEqual(onCharge.refunds?.data[0]?.metadata, { note: 'goodwill' }, 'the charge shows the refund as it is now');

    const byCharge = await stripe.refunds.list({ charge: a.charge });
    assert.equal(byCharge.url, '/v1/refunds');
    assert.deepEqual(
      byCharge.data.map((r) => r.id),
      [ra.id],
    );
    const byIntent = await stripe.refunds.list({ payment_intent: b.pi.id });
    assert.deepEqual(
      byIntent.data.map((r) => r.id),
      [rb.id],
    );
    const all = await stripe.refunds.list({ limit: 2 });
    assert.deepEqual(
      all.data.map((r) => r.id),
      [rb.id, ra.id],
    );

    const cancel = await failure(stripe.refunds.cancel(ra.id));
    assertInvalid(cancel, 400, undefined, undefined, /status of succeeded\. Only refunds with a status of requires_action can be canceled/);
  });

  it('refuses refunds of nothing, of unknown objects and of payments that did not succeed', async () => {
    const none = await failure(stripe.refunds.create({ amount: 100 }));
    assertInvalid(none, 400, 'charge', 'parameter_missing', /charge or payment_intent/);
    assertInvalid(await failure(stripe.refunds.create({ charge: 'ch_nope' })), 404, 'id', 'resource_missing', "No such charge: 'ch_nope'");
    assertInvalid(
      await failure(stripe.refunds.create({ payment_intent: 'pi_nope' })),
      400,
      'payment_intent',
      'resource_missing',
      "No such payment_intent: 'pi_nope'",
    );
    const open = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', allowed_payment_method_types: ['card'] });
    assertInvalid(
      await failure(stripe.refunds.create({ payment_intent: open.id })),
      400,
      'payment_intent',
      undefined,
      `This PaymentIntent (${open.id}) does not have a successful charge to refund.`,
    );
    const declined = await failure(
      stripe.paymentIntents.create({
        amount: 1000,
        currency: 'usd',
        allowed_payment_method_types: ['card'],
        payment_method: 'pm_card_chargeDeclined',
        confirm: true,
      }),
    );
    const failedCharge = (declined.raw as { charge: string }).charge;
    assertInvalid(await failure(stripe.refunds.create({ charge: failedCharge })), 400, 'charge', undefined, /did not succeed/);
    assertInvalid(await failure(stripe.refunds.create({ charge: failedCharge, amount: 0 })), 400, 'amount');
    assertInvalid(await failure(stripe.refunds.create({ charge: failedCharge, reason: 'bored' as 'duplicate' })), 400, 'reason');
    assertInvalid(await failure(stripe.refunds.retrieve('re_nope')), 404, 'id', 'resource_missing', "No such refund: 're_nope'");
    assertInvalid(await failure(stripe.refunds.update('re_nope', { metadata: { a: 'b' } })), 404, 'id', 'resource_missing');
  });

  it('sends refund.created and charge.refunded, then refund.updated and charge.refund.updated, as signed webhooks', async (t) => {
    const inbox = await webhookInbox(t, stripe, ['refund.created', 'charge.refunded', 'refund.updated', 'charge.refund.updated']);
    const { charge } = await paid(4000);
    const refund = await stripe.refunds.create({ charge, amount: 1500 });
    await stripe.refunds.update(refund.id, { metadata: { reason: 'late delivery' } });

    const created = await inbox.event('refund.created', refund.id);
    assertShape(created, 'event');
    assert.equal((created.data.object as Stripe.Refund).amount, 1500);
    const refunded = await inbox.event('charge.refunded', charge);
    const chargeThen = refunded.data.object as Stripe.Charge;
    assertShape(chargeThen, 'charge');
    assert.equal(chargeThen.amount_refunded, 1500);
    assert.equal(chargeThen.refunded, false, 'a partial refund');
    for (const type of ['refund.updated', 'charge.refund.updated']) {
      const event = await inbox.event(type, refund.id);
      assert.deepEqual(event.data.previous_attributes, { metadata: { reason: null } }, type);
    }
  });
});

describe('refunds: what the emulator cannot refund from, and why', () => {
  it('a refund from a customer balance is checked, then refused: no cash balance can be funded here', async () => {
    const customer = await stripe.customers.create({ email: 'balance@example.com' });
    assertInvalid(
      await failure(
        stripe.refunds.create({ origin: 'customer_balance', customer: customer.id, currency: 'usd', amount: 500, instructions_email: 'balance@example.com' }),
      ),
      400,
      'origin',
      undefined,
      new RegExp(`^Customer ${customer.id} has no usd cash balance to refund`),
    );
    assertInvalid(await failure(stripe.refunds.create({ origin: 'customer_balance', currency: 'usd' })), 400, 'customer', 'parameter_missing');
    assertInvalid(
      await failure(stripe.refunds.create({ origin: 'customer_balance', customer: 'cus_nope', currency: 'usd' })),
      400,
      'customer',
      'resource_missing',
    );
    const { pi } = await paid();
    assertInvalid(
      await failure(stripe.refunds.create({ origin: 'customer_balance', customer: customer.id, currency: 'usd', payment_intent: pi.id })),
      400,
      'origin',
    );
    assertInvalid(
      await failure(stripe.refunds.create({ payment_intent: pi.id, customer: customer.id })),
      400,
      'customer',
      undefined,
      /origin=customer_balance/,
    );
    assertInvalid(await failure(stripe.refunds.create({ origin: 'wallet' as 'customer_balance', customer: customer.id, currency: 'usd' })), 400, 'origin');
  });

  it('Connect reversals are refused when asked for and accepted when declined; instructions_email is checked and a card refunds to the card', async () => {
    const { pi, charge } = await paid();
    assertInvalid(
      await failure(stripe.refunds.create({ payment_intent: pi.id, refund_application_fee: true })),
      400,
      'refund_application_fee',
      undefined,
      /Connect/,
    );
    assertInvalid(await failure(stripe.refunds.create({ payment_intent: pi.id, reverse_transfer: true })), 400, 'reverse_transfer', undefined, /Connect/);
    assertInvalid(
      await failure(stripe.refunds.create({ payment_intent: pi.id, instructions_email: 'not-an-email' })),
      400,
      'instructions_email',
      'email_invalid',
    );
    const refund = await stripe.refunds.create({
      payment_intent: pi.id,
      amount: 1000,
      refund_application_fee: false,
      reverse_transfer: false,
      instructions_email: 'payer@example.com',
    });
    assert.equal(refund.status, 'succeeded');
    assert.equal(refund.charge, charge);
    assert.equal(refund.destination_details?.type, 'card');
  });
});
