import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, VARIABLES, formatDuration, loadConfig, parseDuration } from './config.ts';

const noFile = path.join(tmpdir(), 'no-such-canary.env');

test('defaults apply when nothing is set', () => {
  const config = loadConfig({}, noFile);
  assert.equal(config.CANARY_LOG_LEVEL, 'info');
  assert.equal(config.STRIPE_EMULATOR_PORT, 12111);
  assert.deepEqual(config.STRIPE_EMULATOR_WEBHOOK_RETRY_DELAYS_MS, [250, 1000, 4000]);
  assert.equal(config.STRIPE_EMULATOR_DATA_FILE, undefined);
});

test('.env fills what the environment does not set; the environment wins', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'canary-config-'));
  const file = path.join(dir, '.env');
  writeFileSync(file, 'STRIPE_EMULATOR_PORT=4242\nCANARY_LOG_LEVEL=debug\n');
  const config = loadConfig({ CANARY_LOG_LEVEL: 'warn' }, file);
  assert.equal(config.STRIPE_EMULATOR_PORT, 4242);
  assert.equal(config.CANARY_LOG_LEVEL, 'warn');
});

test('a bad value is an error that names the variable and the value', () => {
  assert.throws(
    () => loadConfig({ STRIPE_EMULATOR_PORT: 'abc' }, noFile),
    (err: Error) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /^STRIPE_EMULATOR_PORT must be a port number \(got 'abc'\)/);
      return true;
    },
  );
  assert.throws(() => loadConfig({ CANARY_LOG_LEVEL: 'loud' }, noFile), /CANARY_LOG_LEVEL must be one of debug, info/);
  assert.throws(
    () => loadConfig({ STRIPE_EMULATOR_WEBHOOK_RETRY_DELAYS_MS: '1,x' }, noFile),
    /STRIPE_EMULATOR_WEBHOOK_RETRY_DELAYS_MS must be a comma-separated list/,
  );
});

test('.env.example and the README list every variable', () => {
  const root = path.resolve(import.meta.dirname, '../..');
  const example = readFileSync(path.join(root, '.env.example'), 'utf8');
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  for (const name of Object.keys(VARIABLES)) {
    assert.match(example, new RegExp(`^# .+\\n#? ?${name}=`, 'm'), `.env.example lacks ${name} with a comment above it`);
    assert.match(readme, new RegExp(`\\| \`${name}\` \\|`), `README's configuration table lacks ${name}`);
  }
});

test('every CANARY_/STRIPE_/DEMO_APP_/SLACK_ variable the code mentions is in the configuration table', () => {
  const root = path.resolve(import.meta.dirname, '../..');
  const files = ['src', 'fixtures', 'tests', 'scripts', 'bin']
    .flatMap((dir) => readdirSync(path.join(root, dir), { recursive: true }).map((f) => path.join(dir, String(f))))
    .concat(['playwright.config.ts', '.ci/run'])
    .filter((f) => /\.(ts|mjs|js)$|^\.ci\//.test(f));
  const unknown = new Set<string>();
  for (const file of files) {
    for (const [name] of readFileSync(path.join(root, file), 'utf8').matchAll(/\b(?:CANARY|STRIPE|DEMO_APP|SLACK)_[A-Z0-9_]+\b/g)) {
      if (!(name in VARIABLES)) unknown.add(`${name} (${file})`);
    }
  }
  assert.deepEqual([...unknown], [], 'variables read or set in the code but missing from VARIABLES, .env.example and the README');
});

test('durations are written like 90s, 10m, 7d', () => {
  assert.deepEqual(['250ms', '90s', '10m', '2h', '7d'].map(parseDuration), [250, 90_000, 600_000, 7_200_000, 604_800_000]);
  for (const bad of ['10', '0s', '1.5m', '5 m', 'soon']) assert.throws(() => parseDuration(bad), /must be a duration such as 90s, 10m, 7d/, bad);
  assert.equal(loadConfig({}, noFile).CANARY_RUN_TIMEOUT, 600_000);
  assert.throws(
    () => loadConfig({ CANARY_RUN_TIMEOUT: '10' }, noFile),
    /^ConfigError: CANARY_RUN_TIMEOUT must be a duration such as 90s, 10m, 7d .*\(got '10'\)/,
  );
  assert.deepEqual([formatDuration(5_000), formatDuration(600_000), formatDuration(1_500)], ['5s', '10m', '1500ms']);
});

test('DEMO_APP_FAULT must name a fault of the demo app', () => {
  assert.throws(() => loadConfig({ DEMO_APP_FAULT: 'webhook-501' }, noFile), /DEMO_APP_FAULT must be one of webhook-500, .* or none \(got 'webhook-501'\)/);
  assert.equal(loadConfig({ DEMO_APP_FAULT: 'upgrade-hang' }, noFile).DEMO_APP_FAULT, 'upgrade-hang');
});
