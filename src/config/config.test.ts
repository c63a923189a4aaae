import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, VARIABLES, loadConfig } from './config.ts';

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
  assert.throws(() => loadConfig({ STRIPE_EMULATOR_PORT: 'abc' }, noFile), (err: Error) => {
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, /^STRIPE_EMULATOR_PORT must be a port number \(got 'abc'\)/);
    return true;
  });
  assert.throws(() => loadConfig({ CANARY_LOG_LEVEL: 'loud' }, noFile), /CANARY_LOG_LEVEL must be one of debug, info/);
  assert.throws(() => loadConfig({ STRIPE_EMULATOR_WEBHOOK_RETRY_DELAYS_MS: '1,x' }, noFile), /STRIPE_EMULATOR_WEBHOOK_RETRY_DELAYS_MS must be a comma-separated list/);
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
