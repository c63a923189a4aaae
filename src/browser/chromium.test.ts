import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BrowserNotFound, SYSTEM_CHROMIUM, findChromium } from './chromium.ts';

test('CANARY_CHROMIUM comes first, and a missing path is an error naming it', () => {
  assert.deepEqual(findChromium({ CANARY_CHROMIUM: '/opt/chrome' }, (p) => p === '/opt/chrome' || p === SYSTEM_CHROMIUM), {
    path: '/opt/chrome',
    source: 'CANARY_CHROMIUM',
  });
  assert.throws(() => findChromium({ CANARY_CHROMIUM: '/nope/chrome' }, () => false), /CANARY_CHROMIUM is set to \/nope\/chrome, which does not exist/);
});

test("falls back to the system chromium when Playwright's browser is not installed", () => {
  assert.deepEqual(findChromium({}, (p) => p === SYSTEM_CHROMIUM), { path: SYSTEM_CHROMIUM, source: 'system' });
});

test('no browser at all is a one-line error that says how to get one', () => {
  assert.throws(() => findChromium({}, () => false), (err: Error) => {
    assert.ok(err instanceof BrowserNotFound);
    assert.doesNotMatch(err.message, /\n/);
    assert.match(err.message, /npm run setup:browser/);
    return true;
  });
});
