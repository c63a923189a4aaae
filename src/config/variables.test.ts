import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatDuration, parseDuration } from './duration.ts';
import { demoAppVariables } from './programs/demo-app.ts';
import { harnessVariables } from './programs/harness.ts';
import { stripeEmulatorVariables } from './programs/stripe-emulator.ts';
import { allVariables } from './testing/all-variables.ts';
import { ConfigProblems, loadVariables } from './variables.ts';

const noFile = path.join(tmpdir(), 'no-such-canary.env');

test('defaults apply when nothing is set', () => {
  const config = loadVariables(stripeEmulatorVariables, {}, noFile);
  assert.equal(config.CANARY_LOG_LEVEL, 'info');
  assert.equal(config.STRIPE_EMULATOR_PORT, 12111);
  assert.deepEqual(config.STRIPE_EMULATOR_WEBHOOK_RETRY_DELAYS_MS, [250, 1000, 4000]);
  assert.equal(config.STRIPE_EMULATOR_DATA_FILE, undefined);
});

test('.env fills what the environment does not set; the environment wins', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'canary-config-'));
  const file = path.join(dir, '.env');
  writeFileSync(file, 'STRIPE_EMULATOR_PORT=4242\nCANARY_LOG_LEVEL=debug\n');
  const config = loadVariables(stripeEmulatorVariables, { CANARY_LOG_LEVEL: 'warn' }, file);
  assert.equal(config.STRIPE_EMULATOR_PORT, 4242);
  assert.equal(config.CANARY_LOG_LEVEL, 'warn');
});

test('a bad value is an error that names the variable and the value; every bad one is named at once', () => {
  assert.throws(
    () => loadVariables(stripeEmulatorVariables, { STRIPE_EMULATOR_PORT: 'abc' }, noFile),
    (err: Error) => {
      assert.ok(err instanceof ConfigProblems);
      assert.match(err.message, /^STRIPE_EMULATOR_PORT must be a port number \(got 'abc'\)/);
      return true;
    },
  );
  assert.throws(() => loadVariables(stripeEmulatorVariables, { CANARY_LOG_LEVEL: 'loud' }, noFile), /CANARY_LOG_LEVEL must be one of debug, info/);
  assert.throws(
    () => loadVariables(stripeEmulatorVariables, { STRIPE_EMULATOR_WEBHOOK_RETRY_DELAYS_MS: '1,x' }, noFile),
    /STRIPE_EMULATOR_WEBHOOK_RETRY_DELAYS_MS must be a comma-separated list/,
  );
  assert.throws(
    () => loadVariables(stripeEmulatorVariables, { STRIPE_EMULATOR_PORT: 'abc', STRIPE_EMULATOR_RATE_LIMIT: '0' }, noFile),
    (err: ConfigProblems) => {
      assert.deepEqual(
        err.problems.map((p) => p.split(' ')[0]),
        ['STRIPE_EMULATOR_PORT', 'STRIPE_EMULATOR_RATE_LIMIT'],
      );
      assert.match(err.message, /^there are 2 configuration problems:\n {2}STRIPE_EMULATOR_PORT .*\n {2}STRIPE_EMULATOR_RATE_LIMIT /);
      return true;
    },
  );
});

test('each program validates only its own variables', () => {
  // A bad harness variable does not stop the Stripe emulator, nor a bad emulator port the demo app.
  assert.doesNotThrow(() => loadVariables(stripeEmulatorVariables, { CANARY_ALERT_AFTER: '0', DEMO_APP_PORT: 'x' }, noFile));
  assert.doesNotThrow(() => loadVariables(demoAppVariables, { STRIPE_EMULATOR_PORT: 'x', CANARY_ALERT_AFTER: '0' }, noFile));
  assert.throws(() => loadVariables(harnessVariables, { CANARY_ALERT_AFTER: '0' }, noFile), /CANARY_ALERT_AFTER must be at least 1/);
});

test('.env.example and the configuration guide list every variable', () => {
  const root = path.resolve(import.meta.dirname, '../..');
  const example = readFileSync(path.join(root, '.env.example'), 'utf8');
  const guide = readFileSync(path.join(root, 'docs', 'configuration.md'), 'utf8');
  for (const name of Object.keys(allVariables)) {
    assert.match(example, new RegExp(`^# .+\\n#? ?${name}=`, 'm'), `.env.example lacks ${name} with a comment above it`);
    assert.match(guide, new RegExp(`\\| \`${name}\` \\|`), `docs/configuration.md's table lacks ${name}`);
  }
});

test('every CANARY_/STRIPE_/DEMO_APP_/SLACK_ variable the code mentions is in the configuration table', () => {
  const root = path.resolve(import.meta.dirname, '../..');
  const files = ['src', 'fixtures', 'tests', 'scripts', 'bin', 'apps']
    .flatMap((dir) => readdirSync(path.join(root, dir), { recursive: true }).map((f) => path.join(dir, String(f))))
    .concat(['playwright.config.ts', '.ci/run'])
    .filter((f) => /\.(ts|mjs|js)$|^\.ci\//.test(f));
  const unknown = new Set<string>();
  for (const file of files) {
    for (const [name] of readFileSync(path.join(root, file), 'utf8').matchAll(/\b(?:CANARY|STRIPE|DEMO_APP|SLACK)_[A-Z0-9_]+\b/g)) {
      if (!(name in allVariables)) unknown.add(`${name} (${file})`);
    }
  }
  assert.deepEqual([...unknown], [], 'variables read or set in the code but missing from the variable tables, .env.example and the guide');
});

test('durations are written like 90s, 10m, 7d', () => {
  assert.deepEqual(['250ms', '90s', '10m', '2h', '7d'].map(parseDuration), [250, 90_000, 600_000, 7_200_000, 604_800_000]);
  for (const bad of ['10', '0s', '1.5m', '5 m', 'soon']) assert.throws(() => parseDuration(bad), /must be a duration such as 90s, 10m, 7d/, bad);
  assert.equal(loadVariables(harnessVariables, {}, noFile).CANARY_RUN_TIMEOUT, 600_000);
  assert.throws(
    () => loadVariables(harnessVariables, { CANARY_RUN_TIMEOUT: '10' }, noFile),
    /^ConfigProblems: CANARY_RUN_TIMEOUT must be a duration such as 90s, 10m, 7d .*\(got '10'\)/,
  );
  assert.deepEqual([formatDuration(5_000), formatDuration(600_000), formatDuration(1_500)], ['5s', '10m', '1500ms']);
});

test('DEMO_APP_FAULT must name a fault of the demo app', () => {
  assert.throws(
    () => loadVariables(demoAppVariables, { DEMO_APP_FAULT: 'webhook-501' }, noFile),
    /DEMO_APP_FAULT must be one of webhook-500, .* or none \(got 'webhook-501'\)/,
  );
  assert.equal(loadVariables(demoAppVariables, { DEMO_APP_FAULT: 'upgrade-hang' }, noFile).DEMO_APP_FAULT, 'upgrade-hang');
});
