import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ALL_VARIANTS } from '../emulators/stripe/checkout-page/variants.ts';
import { CHECKOUT_VARIANT_NAMES, checkoutVariantName, parseCheckoutVariant } from './checkout-variant.ts';
import { harnessVariables } from './programs/harness.ts';
import { ConfigProblems, loadVariables } from './variables.ts';

const noFile = path.join(tmpdir(), 'no-such-canary.env');

test('random, a seed, or a name: each parsed to what the emulator is asked', () => {
  assert.deepEqual(parseCheckoutVariant('random'), { kind: 'random' });
  assert.deepEqual(parseCheckoutVariant(' RANDOM '), { kind: 'random' });
  assert.deepEqual(parseCheckoutVariant('42'), { kind: 'seed', seed: 42 });
  assert.deepEqual(parseCheckoutVariant('4294967295'), { kind: 'seed', seed: 4294967295 });
  assert.deepEqual(parseCheckoutVariant('plain'), { kind: 'name', name: 'plain', options: { accordion: false, link: false, billing_address: 'auto' } });
  // Any order and case; the name comes back in its one spelling.
  assert.deepEqual(parseCheckoutVariant('Billing-Address+accordion'), {
    kind: 'name',
    name: 'accordion+billing-address',
    options: { accordion: true, link: false, billing_address: 'required' },
  });
  assert.deepEqual(parseCheckoutVariant('link'), {
    kind: 'name',
    name: 'link',
    options: { accordion: false, link: true, billing_address: 'auto' },
  });
});

test('anything else is refused, saying what is accepted', () => {
  for (const bad of ['', 'randm', 'accordion+', 'accordion+accordion', 'plain+link', 'shipping', '-1', '4294967296', '1.5']) {
    assert.throws(
      () => parseCheckoutVariant(bad),
      /^Error: must be random, a seed \(a whole number up to 4294967295\) or a variant's name: plain, or accordion, link, billing-address joined by \+/,
      bad,
    );
  }
});

test("every variant the emulator has has one name, and each name parses back to it (the emulator's own list)", () => {
  assert.equal(CHECKOUT_VARIANT_NAMES.length, ALL_VARIANTS.length);
  assert.equal(CHECKOUT_VARIANT_NAMES[0], 'plain');
  assert.deepEqual([...CHECKOUT_VARIANT_NAMES].sort(), ALL_VARIANTS.map(checkoutVariantName).sort());
  for (const variant of ALL_VARIANTS) {
    const parsed = parseCheckoutVariant(checkoutVariantName(variant));
    assert.deepEqual(parsed.kind === 'name' && parsed.options, variant);
  }
});

test('CANARY_CHECKOUT_VARIANT: unset is none; a value is parsed; a bad one is a configuration problem naming it', () => {
  assert.equal(loadVariables(harnessVariables, {}, noFile).CANARY_CHECKOUT_VARIANT, undefined);
  assert.deepEqual(loadVariables(harnessVariables, { CANARY_CHECKOUT_VARIANT: '7' }, noFile).CANARY_CHECKOUT_VARIANT, { kind: 'seed', seed: 7 });
  assert.throws(
    () => loadVariables(harnessVariables, { CANARY_CHECKOUT_VARIANT: 'fancy' }, noFile),
    (err: Error) => {
      assert.ok(err instanceof ConfigProblems);
      assert.match(err.message, /^CANARY_CHECKOUT_VARIANT must be random, a seed .* \(got 'fancy'\)/);
      return true;
    },
  );
});
