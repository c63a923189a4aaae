// Promotion codes through the official SDK, at the API version it pins (the coupon is given as
// `promotion: { type: 'coupon', coupon }`): create, retrieve, update, list with its filters,
// unique active codes, Stripe's errors, and the promotion_code.* webhooks.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type Stripe from 'stripe';
import { assertInvalid, failure, useApiEmulator } from './testing/api-kit.ts';
import { assertShape } from './testing/shape.ts';
import { webhookInbox } from './testing/webhook-inbox.ts';

let stripe: Stripe;
const api = useApiEmulator((a) => {
  stripe = a.stripe;
});

async function coupon(params: Stripe.CouponCreateParams = { percent_off: 20 }): Promise<Stripe.Coupon> {
  return stripe.coupons.create(params);
}

describe('promotion codes', () => {
  it('creates a code for a coupon with a customer, an expiry, a limit and restrictions', async () => {
    const now = await api.advanceClock(0);
    const c = await coupon({ percent_off: 20, max_redemptions: 50 });
    const customer = await stripe.customers.create({ email: 'promo@example.com' });
    const pc = await stripe.promotionCodes.create({
      promotion: { type: 'coupon', coupon: c.id },
      code: 'FALL20',
      customer: customer.id,
      expires_at: now + 7 * 86400,
      max_redemptions: 10,
      restrictions: { first_time_transaction: true, minimum_amount: 2000, minimum_amount_currency: 'usd' },
      metadata: { channel: 'newsletter' },
    });
    assertShape(pc, 'promotion_code');
    assert.match(pc.id, /^promo_/);
    assert.equal(pc.object, 'promotion_code');
    assert.equal(pc.code, 'FALL20');
    assert.equal(pc.active, true);
    assert.deepEqual(pc.promotion, { coupon: c.id, type: 'coupon' });
    assert.equal(pc.customer, customer.id);
    assert.equal(pc.expires_at, now + 7 * 86400);
    assert.equal(pc.max_redemptions, 10);
    assert.equal(pc.times_redeemed, 0);
    assert.deepEqual(pc.restrictions, { first_time_transaction: true, minimum_amount: 2000, minimum_amount_currency: 'usd' });
    assert.deepEqual(pc.metadata, { channel: 'newsletter' });

    const expanded = await stripe.promotionCodes.retrieve(pc.id, { expand: ['promotion.coupon', 'customer'] });
    assertShape(expanded, 'promotion_code');
    assert.equal((expanded.promotion.coupon as Stripe.Coupon).percent_off, 20);
    assert.equal((expanded.customer as Stripe.Customer).email, 'promo@example.com');
  });

  it('generates a code when none is given, and keeps restrictions per currency', async () => {
    const c = await coupon({ amount_off: 1000, currency: 'usd', currency_options: { eur: { amount_off: 900 } } });
    const pc = await stripe.promotionCodes.create({
      promotion: { type: 'coupon', coupon: c.id },
      restrictions: { minimum_amount: 5000, minimum_amount_currency: 'usd', currency_options: { eur: { minimum_amount: 4500 } } },
    });
    assert.match(pc.code, /^[A-Z0-9]{8}$/);
    assert.deepEqual(pc.restrictions.currency_options, { eur: { minimum_amount: 4500 } });
    assert.equal(pc.restrictions.first_time_transaction, false);
  });

  it('keeps active codes unique regardless of case; an inactive code frees it', async () => {
    const c = await coupon();
    const first = await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: c.id }, code: 'WELCOME' });
    const clash = await failure(stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: c.id }, code: 'welcome' }));
    assertInvalid(clash, 400, 'code', 'resource_already_exists', /already exists/);

    const off = await stripe.promotionCodes.update(first.id, { active: false });
    assert.equal(off.active, false);
    const second = await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: c.id }, code: 'welcome' });
    assert.equal(second.active, true);
    const reactivate = await failure(stripe.promotionCodes.update(first.id, { active: true }));
    assertInvalid(reactivate, 400, 'code', 'resource_already_exists');
    assert.equal((await stripe.promotionCodes.retrieve(first.id)).active, false, 'the refused update changed nothing');
  });

  it('lists codes by code (any case), coupon, customer and active', async () => {
    const a = await coupon();
    const b = await coupon();
    const customer = await stripe.customers.create({ email: 'lister@example.com' });
    const one = await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: a.id }, code: 'LISTONE' });
    const two = await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: b.id }, code: 'LISTTWO', customer: customer.id });
    const three = await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: b.id }, code: 'LISTTHREE', active: false });
    const ids = (list: Stripe.ApiList<Stripe.PromotionCode>) => list.data.map((pc) => pc.id);

    assert.deepEqual(ids(await stripe.promotionCodes.list({ code: 'listone' })), [one.id]);
    assert.deepEqual(ids(await stripe.promotionCodes.list({ coupon: b.id })), [three.id, two.id]);
    assert.deepEqual(ids(await stripe.promotionCodes.list({ customer: customer.id })), [two.id]);
    assert.deepEqual(ids(await stripe.promotionCodes.list({ coupon: b.id, active: true })), [two.id]);
    const all = await stripe.promotionCodes.list({ limit: 100 });
    assert.equal(all.url, '/v1/promotion_codes');
    assert.ok([one.id, two.id, three.id].every((id) => all.data.some((pc) => pc.id === id)));
  });

  it('refuses invalid codes with Stripe’s errors', async () => {
    const c = await coupon({ percent_off: 10, max_redemptions: 5 });
    const missing = await failure(stripe.promotionCodes.create({} as Stripe.PromotionCodeCreateParams));
    assertInvalid(missing, 400, 'promotion', 'parameter_missing', /Missing required param: promotion\./);
    const noCoupon = await failure(stripe.promotionCodes.create({ promotion: { type: 'coupon' } }));
    assertInvalid(noCoupon, 400, 'promotion[coupon]', 'parameter_missing');
    const noType = await failure(stripe.promotionCodes.create({ promotion: { coupon: c.id } } as Stripe.PromotionCodeCreateParams));
    assertInvalid(noType, 400, 'promotion[type]', 'parameter_missing', /^Missing required param: promotion\[type\]\.$/);
    // Older API versions took the coupon at the top level; this one does not.
    const legacy = await failure(stripe.promotionCodes.create({ coupon: c.id } as unknown as Stripe.PromotionCodeCreateParams));
    assertInvalid(legacy, 400, 'coupon', 'parameter_unknown', /Received unknown parameter: coupon/);
    const unknown = await failure(stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: 'NOPE' } }));
    assertInvalid(unknown, 400, 'promotion[coupon]', 'resource_missing', /No such coupon: 'NOPE'/);
    const badCode = await failure(stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: c.id }, code: 'NO SPACES' }));
    assertInvalid(badCode, 400, 'code');
    const noCurrency = await failure(stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: c.id }, restrictions: { minimum_amount: 100 } }));
    assertInvalid(noCurrency, 400, 'restrictions[minimum_amount_currency]', 'parameter_missing');
    const tooMany = await failure(stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: c.id }, max_redemptions: 6 }));
    assertInvalid(tooMany, 400, 'max_redemptions');
    const unknownCustomer = await failure(stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: c.id }, customer: 'cus_nope' }));
    assertInvalid(unknownCustomer, 400, 'customer', 'resource_missing');
    assertInvalid(await failure(stripe.promotionCodes.retrieve('promo_nope')), 404, 'id', 'resource_missing', /No such promotion_code: 'promo_nope'/);
    assertInvalid(await failure(stripe.promotionCodes.update('promo_nope', { active: false })), 404, 'id', 'resource_missing');
    const listed = await stripe.promotionCodes.list({ coupon: c.id });
    assert.deepEqual(listed.data, [], 'no refused code was stored');
  });

  it('sends promotion_code.created and promotion_code.updated (with the old values) as signed webhooks', async (t) => {
    const inbox = await webhookInbox(t, stripe, ['promotion_code.created', 'promotion_code.updated']);
    const c = await coupon();
    const pc = await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: c.id }, code: 'HOOKED' });
    await stripe.promotionCodes.update(pc.id, { active: false, metadata: { reason: 'ended' } });

    const created = await inbox.event('promotion_code.created', pc.id);
    assertShape(created, 'event');
    assert.equal((created.data.object as Stripe.PromotionCode).code, 'HOOKED');
    const updated = await inbox.event('promotion_code.updated', pc.id);
    assertShape(updated.data.object, 'promotion_code');
    assert.equal((updated.data.object as Stripe.PromotionCode).active, false);
    assert.deepEqual(updated.data.previous_attributes, { active: true, metadata: { reason: null } });
  });
});
