// The shape checker reads only the committed stripe-shapes.json (nothing outside the repository),
// and that manifest is what decides which keys an object must carry.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AssertionError } from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertShape, fixture, manifestPath } from './shape.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** Runs fn, expecting assertShape to fail, and returns the failure message. */
function shapeFailure(fn: () => void): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof AssertionError, `expected an AssertionError, got ${String(err)}`);
    return err.message;
  }
  assert.fail('assertShape accepted a wrongly shaped object');
}

/** An object shaped exactly like the manifest's customer (the manifest's own structure, copied). */
function customerLikeManifest(): Record<string, unknown> {
  return structuredClone(fixture('customer'));
}

/**
 * Runs check with one key added to or removed from the checker's own parsed manifest entry for
 * customer (fixture() answers that very object), then restores the keys in their order, which
 * orders the checker's messages.
 */
function withCustomerShape(edit: { add: string } | { remove: string }, check: () => void): void {
  const shape = fixture('customer');
  const saved = { ...shape };
  if ('add' in edit) shape[edit.add] = null;
  else delete shape[edit.remove];
  try {
    check();
  } finally {
    for (const key of Object.keys(shape)) delete shape[key];
    Object.assign(shape, saved);
  }
}

describe('stripe-shapes.json', () => {
  it('is inside the repository and names its source, licence and generator', () => {
    const file = manifestPath();
    assert.ok(!path.relative(repoRoot, file).startsWith('..'), `${file} is outside ${repoRoot}`);
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    assert.match(String(manifest.source), /stripe\/openapi.*openapi\/fixtures3\.json/);
    assert.match(String(manifest.license), /MIT.*Stripe, Inc\./);
    assert.match(String(manifest.generated_by), /^scripts\/stripe-shapes\.ts; do not edit$/);
  });

  it('holds key structure only: every leaf is null, and `object` a type name', () => {
    const leaks: string[] = [];
    const walk = (v: unknown, at: string): void => {
      if (Array.isArray(v)) {
        assert.ok(v.length <= 1, `${at} keeps more than its first element`);
        for (const x of v) walk(x, `${at}[0]`);
      } else if (v !== null && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k === 'object' && typeof x === 'string') assert.match(x, /^[a-z_.]+$/, `${at}.object`);
          else walk(x, `${at}.${k}`);
        }
      } else if (v !== null) leaks.push(at);
    };
    const all = (JSON.parse(readFileSync(manifestPath(), 'utf8')) as { resources: Record<string, unknown> }).resources;
    for (const [name, shape] of Object.entries(all)) walk(shape, name);
    assert.deepEqual(leaks, [], 'values in the manifest');
  });
});

describe('assertShape() against the manifest', () => {
  it("accepts an object with exactly the manifest's keys", () => {
    assertShape(customerLikeManifest(), 'customer');
  });

  it('fails on a missing key', () => {
    const customer = customerLikeManifest();
    delete customer.email;
    delete (customer.invoice_settings as Record<string, unknown>).footer;
    const msg = shapeFailure(() => assertShape(customer, 'customer'));
    assert.match(msg, /missing: email, invoice_settings\.footer$/);
    assert.match(msg, /stripe-shapes\.json/);
  });

  it('fails on an unexpected key', () => {
    const customer = { ...customerLikeManifest(), emial: null };
    assert.match(
      shapeFailure(() => assertShape(customer, 'customer')),
      /: unexpected: emial$/,
    );
  });

  it('follows the manifest: a key added to it is then required, a key taken out is then unexpected', () => {
    const customer = customerLikeManifest();
    withCustomerShape({ add: 'loyalty_tier' }, () => {
      assert.match(
        shapeFailure(() => assertShape(customer, 'customer')),
        /: missing: loyalty_tier$/,
      );
    });
    withCustomerShape({ remove: 'phone' }, () => {
      assert.match(
        shapeFailure(() => assertShape(customer, 'customer')),
        /: unexpected: phone$/,
      );
    });
    assertShape(customer, 'customer');
  });
});
