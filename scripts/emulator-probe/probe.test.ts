// The parameter probe (scripts/emulator-probe.ts): the documented parameters it reads from
// stripe-node's types, the requests it builds from them, and how it classifies the embedded
// emulator's answers. No figure is asserted: the coverage changes as the emulator grows.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStripeEmulator, type RunningStripeEmulator } from '../../src/emulators/stripe/index.ts';
import { ProbeClient, classify } from './client.ts';
import { ENDPOINTS, endpointName, type Endpoint } from './endpoints.ts';
import { Fixtures } from './fixtures.ts';
import { buildRequest, documentedParams, probeParam, runProbe, type FixtureSource, type ProbeReport } from './probe.ts';
import { renderJson, renderText } from './report.ts';
import { typeProblems, type Member } from './stripe-types.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const documented = documentedParams();
const endpoint = (name: string): Endpoint => ENDPOINTS.find((e) => endpointName(e) === name)!;
const member = (endpointKey: string, name: string): Member => documented.get(endpointKey)!.find((m) => m.name === name)!;

describe('the documented parameters, from stripe-node’s types', () => {
  it('lists each endpoint of the table once, with its own parameters and without expand', () => {
    assert.equal(documented.size, ENDPOINTS.length);
    for (const [name, members] of documented) {
      assert.ok(members.length > 0, `${name} has parameters`);
      assert.ok(!members.some((m) => m.name === 'expand'), `${name} lists no expand`);
      assert.equal(new Set(members.map((m) => m.name)).size, members.length, `${name} lists each parameter once`);
    }
  });

  it('reads Checkout sessions’ parameters from Checkout.SessionCreateParams, with their types', () => {
    const names = documented.get('POST /v1/checkout/sessions')!.map((m) => m.name);
    for (const name of ['line_items', 'mode', 'subscription_data', 'allow_promotion_codes', 'success_url', 'discounts', 'customer_update']) {
      assert.ok(names.includes(name), `POST /v1/checkout/sessions documents ${name}`);
    }
    assert.deepEqual(member('POST /v1/checkout/sessions', 'allow_promotion_codes').shape, { kind: 'boolean' });
    const mode = member('POST /v1/checkout/sessions', 'mode').shape;
    assert.ok(mode.kind === 'enum' && mode.values.includes('subscription') && mode.open, 'mode is an open enum with subscription');
    assert.equal(member('POST /v1/checkout/sessions', 'line_items').shape.kind, 'array');
  });

  it('keeps what the types mark required, and inherited pagination parameters of lists', () => {
    assert.equal(member('POST /v1/products', 'name').required, true);
    assert.equal(member('POST /v1/products', 'description').required, false);
    const listed = documented.get('GET /v1/customers')!.map((m) => m.name);
    assert.ok(
      ['limit', 'starting_after', 'ending_before', 'email'].every((n) => listed.includes(n)),
      listed.join(', '),
    );
  });
});

describe('the requests the probe builds', () => {
  const stub: FixtureSource = {
    now: 1_800_000_000,
    id: (kind) => `${kind}_stub`,
    note: () => undefined,
    subscribe: async () => ({ id: 'sub_stub', item: 'si_stub', paymentIntent: 'pi_stub', charge: 'ch_stub' }),
    customerWithCard: async () => ({ id: 'cus_stub', paymentMethod: 'pm_stub' }),
    confirmationToken: async () => 'ctoken_stub',
  };

  it('type-check against the endpoint’s stripe-node params type, every one of them', async () => {
    const requests = [];
    for (const e of ENDPOINTS) {
      const members = documented.get(endpointName(e))!;
      for (const m of members) {
        const { params } = await buildRequest(stub, e, m, members);
        requests.push({ label: `${endpointName(e)} ${m.name}`, typeName: e.paramsType, params });
      }
    }
    // stripe-node types decimals as its Decimal class; on the wire it sends the same string.
    const problems = typeProblems(requests).filter((p) => !/not assignable to type 'Decimal'/.test(p));
    assert.deepEqual(problems, []);
  });

  it('hold the minimal request plus the parameter, with what its override adds and removes', async () => {
    const prices = endpoint('POST /v1/prices');
    const plain = await buildRequest(stub, prices, member('POST /v1/prices', 'nickname'), documented.get('POST /v1/prices'));
    assert.deepEqual(plain.params, { currency: 'usd', product: 'product_stub', unit_amount: 1500, nickname: 'Checkout Canary Probe' });
    const inline = await buildRequest(stub, prices, member('POST /v1/prices', 'product_data'), documented.get('POST /v1/prices'));
    assert.equal(inline.params.product, undefined, 'product_data replaces product');
    assert.deepEqual(inline.sent, { name: 'Checkout Canary Probe' });
    const update = await buildRequest(stub, endpoint('POST /v1/subscriptions/:id'), member('POST /v1/subscriptions/:id', 'items'));
    assert.equal(update.path, '/v1/subscriptions/sub_stub');
    assert.deepEqual(update.sent, [{ id: 'si_stub', price: 'other_price_stub' }], 'a plan change of the subscription in the path');
    const session = await buildRequest(stub, endpoint('POST /v1/checkout/sessions'), member('POST /v1/checkout/sessions', 'expires_at'));
    assert.equal(session.sent, stub.now + 2 * 3600, 'a Checkout expiry inside Stripe’s 30 min–24 h window');
  });
});

describe('the answers of the embedded emulator', () => {
  let emulator: RunningStripeEmulator;
  let client: ProbeClient;
  let fx: Fixtures;
  before(async () => {
    emulator = await startStripeEmulator({ port: 0 });
    client = new ProbeClient(new URL(emulator.url));
    fx = await new Fixtures(client).make();
  });
  after(() => emulator?.close());

  it('makes the fixtures the requests name: a customer, a price, a paid subscription, a tax rate, portal and payment method configurations', () => {
    for (const kind of [
      'customer',
      'payment_method',
      'product',
      'price',
      'one_time_price',
      'subscription',
      'invoice',
      'event',
      'tax_rate',
      'portal_configuration',
      'payment_method_configuration',
    ] as const) {
      assert.doesNotMatch(fx.id(kind), /probe_unavailable/, `${kind}: ${fx.notes.join('; ')}`);
    }
  });

  it('classifies a parameter the emulator supports as accepted', async () => {
    const result = await probeParam(client, fx, endpoint('POST /v1/customers'), member('POST /v1/customers', 'email'));
    assert.equal(result.outcome, 'accepted', result.message);
    assert.equal(result.status, 200);
    assert.equal(result.sent, 'probe@example.com');
  });

  it('classifies a made-up parameter as unknown, naming it', async () => {
    const madeUp: Member = { name: 'canary_no_such_param', required: false, shape: { kind: 'string' } };
    const result = await probeParam(client, fx, endpoint('POST /v1/customers'), madeUp);
    assert.equal(result.outcome, 'unknown');
    assert.equal(result.status, 400);
    assert.equal(result.code, 'parameter_unknown');
    assert.equal(result.errorParam, 'canary_no_such_param');
  });

  it('classifies a route the emulator does not have as route missing', async () => {
    const nowhere: Endpoint = { method: 'POST', path: '/v1/canary_no_such_things', paramsType: 'Stripe.CustomerCreateParams' };
    const result = await probeParam(client, fx, nowhere, member('POST /v1/customers', 'email'));
    assert.equal(result.outcome, 'route missing');
    assert.equal(result.status, 404);
    assert.match(result.message ?? '', /^Unrecognized request URL \(POST: \/v1\/canary_no_such_things\)/);
  });

  it('classifies a known parameter with a value the emulator rejects as refused, with its message', async () => {
    const badEmail: Endpoint = { ...endpoint('POST /v1/customers'), overrides: { email: { value: () => 'not-an-email' } } };
    const result = await probeParam(client, fx, badEmail, member('POST /v1/customers', 'email'));
    assert.equal(result.outcome, 'refused');
    assert.equal(result.status, 400);
    assert.match(result.message ?? '', /not-an-email/);
  });

  it('classifies a server error or no answer as error, never as accepted', () => {
    assert.equal(classify({ status: 500, message: 'Emulator error' }), 'error');
    assert.equal(classify({ status: null, message: 'ECONNREFUSED' }), 'error');
    assert.equal(classify({ status: 404, code: 'resource_missing', message: "No such customer: 'cus_x'" }), 'refused');
  });

  describe('a whole run', () => {
    let report: ProbeReport;
    before(async () => {
      report = await runProbe(new URL(emulator.url));
    });

    it('answers every documented parameter of every endpoint once, and totals add up', () => {
      assert.equal(report.endpoints.length, ENDPOINTS.length);
      for (const e of report.endpoints) {
        assert.deepEqual(
          e.results.map((r) => r.param),
          documented.get(e.endpoint)!.map((m) => m.name),
        );
        assert.equal(e.accepted, e.results.filter((r) => r.outcome === 'accepted').length);
      }
      const { totals } = report;
      assert.equal(
        totals.total,
        [...documented.values()].reduce((n, m) => n + m.length, 0),
      );
      assert.equal(
        Object.values(totals.outcomes).reduce((n, x) => n + x, 0),
        totals.total,
      );
      assert.equal(totals.outcomes.error, 0, 'no request made the emulator fail');
      const customers = report.endpoints.find((e) => e.endpoint === 'POST /v1/customers')!;
      assert.equal(customers.results.find((r) => r.param === 'email')?.outcome, 'accepted');
    });

    it('prints a table per endpoint and the totals, or one JSON object', () => {
      const text = renderText(report);
      for (const e of report.endpoints) assert.match(text, new RegExp(`^${e.endpoint.replace(/[/:]/g, '\\$&')} +${e.accepted}/${e.total} `, 'm'));
      assert.match(text, new RegExp(`^Accepted: ${report.totals.accepted} of ${report.totals.total} parameters \\(`, 'm'));
      assert.deepEqual(JSON.parse(renderJson(report)).totals, report.totals);
    });
  });
});

describe('the command', () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/emulator-probe.ts'), ...args], { encoding: 'utf8', timeout: 60_000, cwd: ROOT });

  it('exits 2 with one line on an unknown flag', () => {
    const { status, stderr } = run('--verbose');
    assert.equal(status, 2);
    assert.match(stderr, /^emulator-probe: Unknown option '--verbose'.*usage: /);
    assert.equal(stderr.trim().split('\n').length, 1);
  });

  it('exits 2 with one line when --url cannot be reached', async () => {
    // A port that was free a moment ago: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const { status, stderr } = run('--url', `http://127.0.0.1:${port}`);
    assert.equal(status, 2);
    assert.match(stderr, new RegExp(`^emulator-probe: cannot reach http://127.0.0.1:${port}: .*; start the emulator or fix --url\\n$`));
  });
});
