import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import Stripe from 'stripe';
import { runCli } from './main.ts';

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { stdout: (l) => out.push(l), stderr: (l) => err.push(l), env, signal: AbortSignal.abort('SIGTERM') });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

test('canary --help lists the commands; canary <cmd> --help describes every flag', async () => {
  const main = await cli(['--help']);
  assert.equal(main.code, 0);
  assert.match(main.out, /stripe-emulator/);
  const sub = await cli(['stripe-emulator', '--help']);
  assert.equal(sub.code, 0);
  for (const flag of ['--port', '--host', '--data-file', '--rate-limit', '--webhook-retry-delays', '--webhook-timeout']) {
    assert.match(sub.out, new RegExp(`${flag} `), `help lacks ${flag}`);
  }
});

test('usage errors exit 2 with a message that names the input', async () => {
  const cases: [string[], RegExp][] = [
    [['stripe-emulator', '--prot', '1'], /unknown flag --prot/],
    [['stripe-emulator', '--port', 'abc'], /--port must be a port number 0–65535 \(got 'abc'\)/],
    [['stripe-emulator', '--port', '70000'], /--port must be a port number/],
    [['stripe-emulator', '--rate-limit', '0'], /--rate-limit must be a whole number of at least 1 \(got '0'\)/],
    [['stripe-emulator', '--webhook-retry-delays', '1,,2'], /--webhook-retry-delays must be a comma-separated list/],
    [['stripe-emulator', '--port'], /--port needs a value/],
    [['stripe-emulator', '--webhook-timeout', 'soon'], /--webhook-timeout must be a duration such as 90s, 10m, 7d .*\(got 'soon'\)/],
    [['run', '--timeout', '10'], /--timeout must be a duration such as 90s, 10m, 7d .*\(got '10'\)/],
    [['run', '--trigger', 'cron'], /--trigger must be one of manual, post-deploy, schedule \(got 'cron'\)/],
    [['run', '--retires', '1'], /unknown flag --retires \(did you mean --retries\?\)/],
    [['stripe-emulator', 'extra'], /unexpected argument/],
    [['nope'], /unknown command 'nope'/],
  ];
  for (const [args, message] of cases) {
    const r = await cli(args);
    assert.equal(r.code, 2, `${args.join(' ')} should exit 2`);
    assert.match(r.err, message);
  }
});

test('a bad configuration variable exits 2 naming the variable', async () => {
  const r = await cli(['stripe-emulator'], { STRIPE_EMULATOR_WEBHOOK_TIMEOUT_MS: 'soon' });
  assert.equal(r.code, 2);
  assert.match(r.err, /STRIPE_EMULATOR_WEBHOOK_TIMEOUT_MS must be a whole number \(got 'soon'\)/);
});

test('canary stripe-emulator prints its address once it accepts connections and stops on SIGTERM', async () => {
  const bin = path.resolve(import.meta.dirname, '../../bin/canary.js');
  const child = spawn(process.execPath, [bin, 'stripe-emulator', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`no listening line within 15 s: ${output}`)), 15_000);
      child.stdout.on('data', (c: Buffer) => {
        output += c.toString();
        const m = /^Stripe emulator listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(output);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${output}`)));
    });
    const u = new URL(url);
    const stripe = new Stripe('sk_test_cli', { host: u.hostname, port: Number(u.port), protocol: 'http', maxNetworkRetries: 0 });
    const customer = await stripe.customers.create({ email: 'cli@example.com' });
    assert.match(customer.id, /^cus_/);
  } finally {
    if (child.exitCode === null) {
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      const bound = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(bound);
      assert.equal(code, 0, 'it stops cleanly on SIGTERM within 15 s');
    }
  }
});
