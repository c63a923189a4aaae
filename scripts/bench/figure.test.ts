import { test } from 'node:test';
import assert from 'node:assert/strict';
import { figure, formatAim, formatValue, missing, verdictOf } from './figure.ts';

test('a figure is the median of its samples with their min and max; non-numbers are not samples', () => {
  const f = figure('run', 'warm: wall', 's', [14, 12, Number.NaN, 20, 13]);
  assert.deepEqual([f.n, f.median, f.min, f.max], [4, 13.5, 12, 20]);
  assert.deepEqual(f.samples, [14, 12, 20, 13]);
  assert.equal(f.verdict, undefined);
});

test('the verdict judges the median against the aim, either way', () => {
  assert.equal(figure('b', 'x', 's', [100, 200, 190], { aim: { op: '<=', value: 180 } }).verdict, 'not met');
  assert.equal(figure('b', 'x', 's', [100, 200, 170], { aim: { op: '<=', value: 180 } }).verdict, 'met');
  assert.equal(figure('b', 'x', 'req/s', [1400, 1600, 1700], { aim: { op: '>=', value: 1500 } }).verdict, 'met');
  assert.equal(verdictOf(50, { op: '>=', value: 50 }), 'met');
  assert.equal(verdictOf(49, { op: '>=', value: 50 }), 'not met');
});

test('a figure with no sample says why and has no number and no verdict', () => {
  const f = missing('peers', 'emulator ÷ stateless peer', 'x', 'no installable peer', { op: '<=', value: 1 });
  assert.deepEqual([f.n, f.median, f.min, f.max, f.verdict, f.note], [0, null, null, null, undefined, 'no installable peer']);
  assert.equal(figure('b', 'x', 'ms', [Number.NaN], { note: 'run failed' }).note, 'run failed');
});

test('values are shown in their unit at a precision that suits their size', () => {
  assert.equal(formatValue(1.234, 'ms'), '1.23 ms');
  assert.equal(formatValue(45.67, 'ms'), '45.7 ms');
  assert.equal(formatValue(1234.5, 'ms'), '1235 ms');
  assert.equal(formatValue(13.26, 's'), '13.3 s');
  assert.equal(formatValue(180, 's'), '180 s');
  assert.equal(formatValue(812.4, 'MiB'), '812 MiB');
  assert.equal(formatValue(1.1043, 'x'), '1.104×');
  assert.equal(formatValue(50, 'count'), '50');
  assert.equal(formatAim({ op: '<=', value: 180, kind: 'budget' }, 's'), 'budget ≤ 180 s');
  assert.equal(formatAim({ op: '>=', value: 1500 }, 'req/s'), 'aim ≥ 1500 req/s');
});
