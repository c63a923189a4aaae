// Coupons through the official SDK: create (percent or amount off, durations, limits, the
// expandable applies_to and currency_options), retrieve, update, delete, list, Stripe's errors,
// and the coupon.* webhooks.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Stripe from 'stripe';
import { assertInvalid, failure, useApiEmulator } from './testing/api-kit.ts';
import { startTestEmulator } from './testing/sdk.ts';
import { assertShape } from './testing/shape.ts';
import { webhookInbox } from './testing/webhook-inbox.ts';

let stripe: Stripe;
const api = useApiEmulator((a) => {
  stripe = a.stripe;
});

describe('coupons', () => {
  it('creates a repeating percent-off coupon with its limits, and retrieves and lists it', async () => {
    const now = await api.advanceClock(0);
    const coupon = await stripe.coupons.create({
      id: 'SPRING25',
      percent_off: 25.5,
      duration: 'repeating',
      duration_in_months: 3,
      max_redemptions: 100,
      redeem_by: now + 30 * 86400,
      name: 'Spring sale',
      metadata: { campaign: 'spring' },
    });
    assertShape(coupon, 'coupon');
    assert.equal(coupon.id, 'SPRING25');
    assert.equal(coupon.object, 'coupon');
    assert.equal(coupon.percent_off, 25.5);
    assert.equal(coupon.amount_off, null);
    assert.equal(coupon.currency, null);
    assert.equal(coupon.duration, 'repeating');
    assert.equal(coupon.duration_in_months, 3);
    assert.equal(coupon.max_redemptions, 100);
    assert.equal(coupon.redeem_by, now + 30 * 86400);
    assert.equal(coupon.name, 'Spring sale');
    assert.deepEqual(coupon.metadata, { campaign: 'spring' });
    assert.equal(coupon.times_redeemed, 0);
    assert.equal(coupon.valid, true);
    assert.equal(coupon.livemode, false);
    assert.ok(!('applies_to' in coupon), 'applies_to only when expanded');

    const retrieved = await stripe.coupons.retrieve(coupon.id);
    const { lastResponse: _a, ...created } = coupon;
    const { lastResponse: _b, ...again } = retrieved;
    assert.deepEqual(again, created);

    const generated = await stripe.coupons.create({ percent_off: 10 });
    assert.match(generated.id, /^[A-Za-z0-9]{8}$/, 'a generated id');
    assert.equal(generated.duration, 'once', 'the default duration');
    const listed = await stripe.coupons.list({ limit: 2 });
    assert.equal(listed.url, '/v1/coupons');
    assert.deepEqual(
      listed.data.map((c) => c.id),
      [generated.id, coupon.id],
      'newest first',
    );
  });

  it('creates an amount-off coupon; applies_to and currency_options come only when expanded', async () => {
    const product = await stripe.products.create({ name: 'Pro plan' });
    const coupon = await stripe.coupons.create({
      amount_off: 500,
      currency: 'USD',
      currency_options: { eur: { amount_off: 450 } },
      duration: 'forever',
      applies_to: { products: [product.id] },
    });
    assert.equal(coupon.amount_off, 500);
    assert.equal(coupon.currency, 'usd');
    assert.equal(coupon.percent_off, null);
    assert.equal(coupon.duration_in_months, null);
    assert.ok(!('applies_to' in coupon) && !('currency_options' in coupon));

    const expanded = await stripe.coupons.retrieve(coupon.id, { expand: ['applies_to', 'currency_options'] });
    assertShape(expanded, 'coupon');
    assert.deepEqual(expanded.applies_to, { products: [product.id] });
    assert.deepEqual(expanded.currency_options, { eur: { amount_off: 450 }, usd: { amount_off: 500 } });

    const percent = await stripe.coupons.create({ percent_off: 5 });
    const plain = await stripe.coupons.retrieve(percent.id, { expand: ['applies_to'] });
    assert.equal(plain.applies_to, null);
  });

  it('updates name and metadata, refusing other fields, and records coupon.updated with the old values', async () => {
    const coupon = await stripe.coupons.create({ percent_off: 20, name: 'Old', metadata: { a: '1', b: '2' } });
    const updated = await stripe.coupons.update(coupon.id, { name: 'New', metadata: { b: '', c: '3' } });
    assertShape(updated, 'coupon');
    assert.equal(updated.name, 'New');
    assert.deepEqual(updated.metadata, { a: '1', c: '3' });
    assert.equal(updated.percent_off, 20);

    const refused = await failure(stripe.coupons.update(coupon.id, { percent_off: 30 } as Stripe.CouponUpdateParams));
    assertInvalid(refused, 400, 'percent_off', 'parameter_unknown', /Received unknown parameter: percent_off/);

    const events = await stripe.events.list({ type: 'coupon.updated', limit: 100 });
    const event = events.data.find((e) => (e.data.object as Stripe.Coupon).id === coupon.id);
    assert.ok(event, 'coupon.updated was recorded');
    assertShape(event, 'event');
    assert.deepEqual(event.data.previous_attributes, { name: 'Old', metadata: { b: '2', c: null } });
  });

  it('deletes a coupon: the deleted stub, then 404s', async () => {
    const coupon = await stripe.coupons.create({ percent_off: 15 });
    const deleted = await stripe.coupons.del(coupon.id);
    assertShape(deleted, 'deleted_coupon');
    const { lastResponse: _l, ...body } = deleted;
    assert.deepEqual(body, { id: coupon.id, object: 'coupon', deleted: true });
    assertInvalid(await failure(stripe.coupons.retrieve(coupon.id)), 404, 'id', 'resource_missing', new RegExp(`No such coupon: '${coupon.id}'`));
    assertInvalid(await failure(stripe.coupons.del(coupon.id)), 404, 'id', 'resource_missing');
    const listed = await stripe.coupons.list({ limit: 100 });
    assert.ok(!listed.data.some((c) => c.id === coupon.id), 'a deleted coupon is not listed');
    const reused = await failure(stripe.coupons.create({ id: coupon.id, percent_off: 15 }));
    assertInvalid(reused, 400, 'id', 'resource_already_exists');
  });

  it('stops being valid once past redeem_by', async () => {
    const now = await api.advanceClock(0);
    const coupon = await stripe.coupons.create({ percent_off: 50, redeem_by: now + 3600 });
    assert.equal(coupon.valid, true);
    await api.advanceClock(3601);
    const later = await stripe.coupons.retrieve(coupon.id);
    assert.equal(later.valid, false);
  });

  it('refuses invalid coupons with Stripe’s errors and creates nothing', async () => {
    const before = (await stripe.coupons.list({ limit: 100 })).data.length;
    assertInvalid(await failure(stripe.coupons.create({ duration: 'once' })), 400, 'percent_off', 'parameter_missing', /percent_off/);
    assertInvalid(await failure(stripe.coupons.create({ amount_off: 100 })), 400, 'currency', 'parameter_missing', /Missing required param: currency/);
    assertInvalid(
      await failure(stripe.coupons.create({ percent_off: 10, amount_off: 100, currency: 'usd' })),
      400,
      'amount_off',
      undefined,
      /only specify one/,
    );
    assertInvalid(await failure(stripe.coupons.create({ percent_off: 150 })), 400, 'percent_off', undefined, /at most 100/);
    assertInvalid(await failure(stripe.coupons.create({ percent_off: 'lots' as unknown as number })), 400, 'percent_off', undefined, /Invalid decimal: lots/);
    assertInvalid(
      await failure(stripe.coupons.create({ percent_off: 10, duration: 'repeating' })),
      400,
      'duration_in_months',
      'parameter_missing',
      /duration_in_months/,
    );
    assertInvalid(await failure(stripe.coupons.create({ percent_off: 10, duration_in_months: 2 })), 400, 'duration_in_months');
    assertInvalid(await failure(stripe.coupons.create({ percent_off: 10, redeem_by: 1000 })), 400, 'redeem_by');
    assertInvalid(
      await failure(stripe.coupons.create({ percent_off: 10, applies_to: { products: ['prod_nope'] } })),
      400,
      'applies_to[products][0]',
      'resource_missing',
      /No such product: 'prod_nope'/,
    );
    assertInvalid(await failure(stripe.coupons.retrieve('NOPE')), 404, 'id', 'resource_missing', /No such coupon: 'NOPE'/);
    assertInvalid(await failure(stripe.coupons.update('NOPE', { name: 'x' })), 404, 'id', 'resource_missing');
    const after = (await stripe.coupons.list({ limit: 100 })).data.length;
    assert.equal(after, before, 'no refused coupon was stored');
  });

  it('keeps applies_to and currency_options across a restart with a data file', async (t) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'canary-coupons-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const dataFile = path.join(dir, 'state.json');
    const first = await startTestEmulator({ dataFile });
    const product = await first.stripe.products.create({ name: 'Kept' });
    const kept = await first.stripe.coupons.create({
      amount_off: 300,
      currency: 'usd',
      currency_options: { gbp: { amount_off: 250 } },
      applies_to: { products: [product.id] },
    });
    await first.close();
    const second = await startTestEmulator({ dataFile });
    t.after(() => second.close());
    const again = await second.stripe.coupons.retrieve(kept.id, { expand: ['applies_to', 'currency_options'] });
    assert.deepEqual(again.applies_to, { products: [product.id] });
    assert.deepEqual(again.currency_options, { gbp: { amount_off: 250 }, usd: { amount_off: 300 } });
  });

  it('sends coupon.created, coupon.updated and coupon.deleted as signed webhooks', async (t) => {
    const inbox = await webhookInbox(t, stripe, ['coupon.created', 'coupon.updated', 'coupon.deleted']);
    const coupon = await stripe.coupons.create({ percent_off: 30, name: 'Hooked' });
    await stripe.coupons.update(coupon.id, { metadata: { k: 'v' } });
    await stripe.coupons.del(coupon.id);

    const created = await inbox.event('coupon.created', coupon.id);
    assertShape(created, 'event');
    assert.equal((created.data.object as Stripe.Coupon).name, 'Hooked');
    const updated = await inbox.event('coupon.updated', coupon.id);
    assert.deepEqual(updated.data.previous_attributes, { metadata: { k: null } });
    const deleted = await inbox.event('coupon.deleted', coupon.id);
    assertShape(deleted.data.object, 'coupon');
    assert.deepEqual(
      inbox
        .events()
        .filter((e) => (e.data.object as { id: string }).id === coupon.id)
        .map((e) => e.type)
        .sort(),
      ['coupon.created', 'coupon.deleted', 'coupon.updated'],
    );
  });
});
