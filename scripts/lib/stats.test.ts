import { test } from 'node:test';
import assert from 'node:assert/strict';
import { median, percentile, stats } from './stats.ts';

test('percentiles are nearest-rank samples: the median of two is the lower one', () => {
  assert.equal(percentile([10, 20], 50), 10);
  assert.equal(percentile([1, 2, 3, 4, 5], 50), 3);
  assert.equal(percentile([1, 2, 3, 4], 0), 1);
  assert.equal(percentile([1, 2, 3, 4], 100), 4);
  assert.equal(
    percentile(
      Array.from({ length: 100 }, (_, i) => i + 1),
      95,
    ),
    95,
  );
});

test('stats sorts a copy and answers p50, p95 and max', () => {
  const xs = [5, 1, 3];
  assert.deepEqual(stats(xs), { p50: 3, p95: 5, max: 5 });
  assert.deepEqual(xs, [5, 1, 3]);
});

test('the median is the middle sample, or the mean of the two middle ones; the samples are not reordered', () => {
  const xs = [9, 1, 5];
  assert.equal(median(xs), 5);
  assert.deepEqual(xs, [9, 1, 5]);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([7]), 7);
});
