/**
 * `--checkout-variant` in process: which runs may set the page (refused, exit 2, otherwise), the
 * seed `random` takes from the run, what setting it asks of a real emulator and answers, and the
 * field summary.json keeps. The spawned `canary run --checkout-variant random` is in run.test.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runCli } from '../cli/main.ts';
import { parseCheckoutVariant } from '../config/checkout-variant.ts';
import { startStripeEmulator, type RunningStripeEmulator } from '../emulators/stripe/index.ts';
import { randomVariant } from '../emulators/stripe/checkout-page/variants.ts';
import { UserError } from '../errors.ts';
import { applyCheckoutVariant, checkVariantTarget, formatCheckoutVariant, requestedVariant, seedOfRun } from './checkout-variant.ts';
import { newRunId } from './handoff.ts';
import { mergedSummary, type ShardFolder } from './merge.ts';
import { buildSummary, formatSummary, type RunMeta } from './summary.ts';
import { runSummarySchema } from './summary-schema.ts';

let emulator: RunningStripeEmulator;
before(async () => {
  emulator = await startStripeEmulator({ port: 0 });
});
after(() => emulator?.close());

const pageOf = async () => ((await (await fetch(`${emulator.url}/_emulator/checkout-page`)).json()) as { variant: unknown }).variant;

describe('which runs may choose the page', () => {
  const random = parseCheckoutVariant('random');

  test('the flag wins over CANARY_CHECKOUT_VARIANT; neither is no variant', () => {
    const seven = parseCheckoutVariant('7');
    assert.deepEqual(requestedVariant(random, { CANARY_CHECKOUT_VARIANT: seven }), random);
    assert.deepEqual(requestedVariant(undefined, { CANARY_CHECKOUT_VARIANT: seven }), seven);
    assert.equal(requestedVariant(undefined, { CANARY_CHECKOUT_VARIANT: undefined }), null);
  });

  test('only a run that starts its own emulator: a shared one or real Stripe is refused, saying what to do', () => {
    assert.doesNotThrow(() => checkVariantTarget(random, { STRIPE_API_URL: undefined, STRIPE_SECRET_KEY: undefined }));
    assert.doesNotThrow(() => checkVariantTarget(null, { STRIPE_API_URL: undefined, STRIPE_SECRET_KEY: 'sk_test_x' }), 'no variant, nothing to refuse');
    assert.throws(
      () => checkVariantTarget(random, { STRIPE_API_URL: 'http://127.0.0.1:12111', STRIPE_SECRET_KEY: undefined }),
      (err: Error) =>
        err instanceof UserError &&
        /--checkout-variant random .* STRIPE_API_URL \(http:\/\/127\.0\.0\.1:12111\), which this run did not start/.test(err.message),
    );
    assert.throws(
      () => checkVariantTarget(parseCheckoutVariant('accordion'), { STRIPE_API_URL: undefined, STRIPE_SECRET_KEY: 'sk_test_x' }),
      (err: Error) => err instanceof UserError && /--checkout-variant accordion .*real Stripe/.test(err.message),
    );
  });

  test('a shard may take a seed or a name, not random: each shard would show another page', () => {
    const none = { STRIPE_API_URL: undefined, STRIPE_SECRET_KEY: undefined };
    assert.throws(
      () => checkVariantTarget(random, none, true),
      (err: Error) => err instanceof UserError && /with --shard would show each shard another page .*give a seed/.test(err.message),
    );
    assert.doesNotThrow(() => checkVariantTarget(parseCheckoutVariant('12345'), none, true));
    assert.doesNotThrow(() => checkVariantTarget(parseCheckoutVariant('accordion+link'), none, true));
  });

  test('merged shards keep the page they all showed, and none when they differ', () => {
    const shard = (index: number, seed: number): ShardFolder => ({
      dir: `/tmp/shard-${index}`,
      blobs: [],
      summary: {
        ...buildSummary(
          {
            run_id: `canary_shard_${index}`,
            trigger: 'manual',
            deployer: null,
            commit: null,
            grep: '@critical',
            started_at: '2026-01-01T00:00:00.000Z',
            report_dir: `/tmp/shard-${index}`,
            timeout_ms: 60_000,
            shard: { index, total: 2 },
            target: { stripe: 'emulator', stripe_api_url: 'http://127.0.0.1:1', app: 'embedded', app_url: 'http://127.0.0.1:2' },
            checkout_variant: { requested: String(seed), name: 'accordion', options: { accordion: true, link: false, billing_address: 'auto' }, seed },
          },
          { tests: [], errors: [], finished_at: '2026-01-01T00:00:10.000Z', duration_ms: 10_000 },
        ),
        shard: { index, total: 2 },
      },
    });
    const same = mergedSummary([shard(1, 7), shard(2, 7)], 'canary_merged', '/tmp/merged', []);
    assert.equal(same.checkout_variant?.seed, 7);
    const different = mergedSummary([shard(1, 7), shard(2, 8)], 'canary_merged', '/tmp/merged', []);
    assert.equal(different.checkout_variant, undefined);
  });

  test('canary run: a bad value, or a variant against real Stripe, exits 2 before anything starts', async () => {
    const cli = async (args: string[], env: NodeJS.ProcessEnv) => {
      const err: string[] = [];
      const code = await runCli(args, { stdout: () => {}, stderr: (l) => err.push(l), env, signal: AbortSignal.abort('SIGTERM') });
      return { code, err: err.join('\n') };
    };
    const bad = await cli(['run', '--checkout-variant', 'fancy'], {});
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--checkout-variant must be random, a seed .* \(got 'fancy'\)/);
    const real = await cli(['run', '--checkout-variant', 'random'], { STRIPE_SECRET_KEY: 'sk_test_checkoutvariantrefused' });
    assert.equal(real.code, 2, real.err);
    assert.match(real.err, /--checkout-variant random .*real Stripe/);
    const fromVariable = await cli(['run'], { STRIPE_API_URL: emulator.url, CANARY_CHECKOUT_VARIANT: 'link' });
    assert.equal(fromVariable.code, 2, fromVariable.err);
    assert.match(fromVariable.err, /--checkout-variant link \(or CANARY_CHECKOUT_VARIANT\).*which this run did not start/);
  });
});

describe('setting the page on the emulator', () => {
  test("random takes the run id's random part as its seed: the emulator's pick for that seed, printed to repeat it", async () => {
    const runId = newRunId();
    const seed = seedOfRun(runId);
    assert.equal(seed, Number.parseInt(runId.slice(-8), 16));
    const record = await applyCheckoutVariant(emulator.url, parseCheckoutVariant('random'), runId);
    assert.deepEqual(record.options, randomVariant(seed));
    assert.deepEqual(await pageOf(), randomVariant(seed), 'the emulator shows it');
    assert.deepEqual([record.requested, record.seed], ['random', seed]);
    assert.match(
      formatCheckoutVariant(record),
      new RegExp(`^Checkout page variant: ${record.name.replace(/\+/g, '\\+')} \\(accordion=.*; seed ${seed}; repeat it with --checkout-variant ${seed}\\)$`),
    );

    // That seed given back meets the same page.
    const again = await applyCheckoutVariant(emulator.url, parseCheckoutVariant(String(seed)), newRunId());
    assert.deepEqual([again.name, again.options, again.seed, again.requested], [record.name, record.options, seed, String(seed)]);
    assert.doesNotMatch(formatCheckoutVariant(again), /repeat it/);
  });

  test('a name sets exactly that page, with no seed', async () => {
    const record = await applyCheckoutVariant(emulator.url, parseCheckoutVariant('accordion+billing-address'), newRunId());
    assert.deepEqual(record, {
      requested: 'accordion+billing-address',
      name: 'accordion+billing-address',
      options: { accordion: true, link: false, billing_address: 'required' },
      seed: null,
    });
    assert.deepEqual(await pageOf(), record.options);
    assert.equal(formatCheckoutVariant(record), 'Checkout page variant: accordion+billing-address (accordion=true, link=false, billing_address=required)');
  });

  test('an emulator that does not set it fails the start, saying what it answered', async () => {
    const server = createServer((_req, res) =>
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"Unrecognized request URL"}}'),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      await assert.rejects(
        applyCheckoutVariant(url, parseCheckoutVariant('link'), newRunId()),
        /did not set the Checkout page variant: POST \/_emulator\/checkout-page answered 404/,
      );
    } finally {
      server.close();
    }
  });
});

describe('summary.json', () => {
  const meta = (checkout_variant?: RunMeta['checkout_variant']): RunMeta => ({
    run_id: newRunId(),
    trigger: 'manual',
    deployer: null,
    commit: null,
    started_at: new Date().toISOString(),
    timeout_ms: 60_000,
    shard: null,
    grep: '@critical',
    report_dir: '/tmp/r',
    target: { stripe: 'emulator', stripe_api_url: 'http://127.0.0.1:1', app: 'embedded', app_url: 'http://127.0.0.1:2' },
    ...(checkout_variant !== undefined && { checkout_variant }),
  });
  const parts = { tests: [], errors: [], finished_at: null, duration_ms: 0 };

  test('records the variant (valid against the schema) and the summary shows it; a run without one has no field', async () => {
    const record = await applyCheckoutVariant(emulator.url, parseCheckoutVariant('random'), newRunId());
    const s = buildSummary(meta(record), parts);
    assert.deepEqual(runSummarySchema.parse(s).checkout_variant, record);
    assert.match(
      formatSummary(s, 'r'),
      new RegExp(`\\n  checkout page: ${record.name.replace(/\+/g, '\\+')} \\(seed ${record.seed}: --checkout-variant ${record.seed} repeats it\\)\\n`),
    );
    for (const none of [undefined, null]) {
      const plain = buildSummary(meta(none), parts);
      assert.equal('checkout_variant' in plain, false);
      assert.doesNotMatch(formatSummary(plain, 'r'), /checkout page/);
    }
  });
});
