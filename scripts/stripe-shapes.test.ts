import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keyShape, renderManifest } from './stripe-shapes.ts';

test('keyShape keeps keys in order and type names, drops values, keeps arrays to their first element', () => {
  const example = {
    id: 'cus_123',
    object: 'customer',
    balance: 0,
    metadata: {},
    address: { city: 'Berlin', line1: null },
    tags: ['a', 'b'],
    none: [],
    lines: { object: 'list', data: [{ id: 'il_1', object: 'line_item', amount: 5 }, { id: 'il_2' }], has_more: false, url: '/v1/x' },
    data: { object: { id: 'plan_1', object: 'plan' } },
  };
  assert.deepEqual(keyShape(example), {
    id: null,
    object: 'customer',
    balance: null,
    metadata: {},
    address: { city: null, line1: null },
    tags: [null],
    none: [],
    lines: { object: 'list', data: [{ id: null, object: 'line_item', amount: null }], has_more: null, url: null },
    data: { object: { id: null, object: 'plan' } },
  });
  assert.deepEqual(Object.keys(keyShape({ b: 1, a: 2 }) as object), ['b', 'a']);
});

test('renderManifest writes the header naming the source, then each resource, and rejects other files', () => {
  const text = renderManifest({ resources: { customer: { id: 'cus_1', object: 'customer', email: 'x@example.com' } } });
  assert.ok(text.endsWith('}\n'));
  const manifest = JSON.parse(text);
  assert.equal(manifest.generated_by, 'scripts/stripe-shapes.ts; do not edit');
  assert.match(manifest.source, /stripe\/openapi.*openapi\/fixtures3\.json/);
  assert.match(manifest.license, /MIT.*Stripe, Inc\./);
  assert.deepEqual(manifest.resources, { customer: { id: null, object: 'customer', email: null } });
  assert.doesNotMatch(text, /x@example\.com|cus_1/);
  assert.throws(() => renderManifest({ paths: {} }, 'spec.json'), /spec\.json has no "resources" object/);
});
