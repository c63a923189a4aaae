/**
 * The post-deploy wait through `canary run --wait-for`: a deploy that becomes healthy (and
 * reports the expected version) lets the run go on; one that never does, or reports another
 * version, fails at stage deploy-not-healthy with what it last answered, before anything starts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startDemoHarness, type DemoHarness } from '../demo-app/testing/harness.ts';
import { canaryCli, explain, type CanaryCli } from './testing/canary-cli.ts';

describe('canary run --wait-for', () => {
  const KEY = `sk_test_deploy${Math.random().toString(36).slice(2, 10)}`;
  let h: DemoHarness;
  let cli: CanaryCli;
  let deploy: Server;
  let url: string;
  /** What the freshly deployed app answers: 503 for `failures` polls, then `status` with `version`. */
  let plan = { failures: 0, status: 200, version: 'v2' };
  let polls = 0;
  before(async () => {
    cli = canaryCli();
    h = await startDemoHarness({ app: { stripeSecretKey: KEY } });
    deploy = createServer((_req, res) => {
      polls++;
      const down = polls <= plan.failures;
      res.writeHead(down ? 503 : plan.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: down ? 'starting' : 'ok', version: down ? 'v1' : plan.version }));
    });
    await new Promise<void>((resolve) => deploy.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(deploy.address() as AddressInfo).port}/healthz`;
  });
  after(async () => {
    cli?.close();
    deploy?.close();
    await h?.close();
  });
  const env = () => ({
    STRIPE_SECRET_KEY: KEY,
    STRIPE_API_URL: h.emulator.url,
    DEMO_APP_URL: h.app.url,
    DEMO_APP_ADMIN_TOKEN: h.adminToken,
    CANARY_LOG_LEVEL: 'info',
  });
  const environments = async () => ((await h.admin('GET', '/api/environments')).body.data as unknown[]).length;

  it('waits, printing progress, until the deploy answers healthy with the expected version, then runs', async () => {
    plan = { failures: 2, status: 200, version: 'v2' };
    polls = 0;
    const r = await cli.run(['--trigger', 'post-deploy', '--wait-for', url, '--expect-version', 'v2', '--wait-timeout', '1m'], env());
    assert.equal(r.code, 0, explain(r));
    assert.match(r.stderr, /waiting for the deploy at http:\/\/127\.0\.0\.1:\d+\/healthz: 503, version v1 \(want v2\), \d+ s of 60 s/);
    assert.deepEqual([r.summary!.deploy?.healthy, r.summary!.deploy?.last_version, r.summary!.stage, r.summary!.outcome], [true, 'v2', null, 'passed']);
    assert.ok(r.summary!.deploy!.attempts >= 3);
  });

  it('a deploy that never becomes healthy fails at stage deploy-not-healthy, with the last status and body, before anything starts', async () => {
    plan = { failures: 1_000, status: 200, version: 'v2' };
    polls = 0;
    const before = await environments();
    const r = await cli.run(['--trigger', 'post-deploy', '--wait-for', url, '--wait-timeout', '3s'], env());
    assert.equal(r.code, 1, explain(r));
    const s = r.summary!;
    assert.deepEqual([s.outcome, s.stage, s.tests.length, s.deploy?.healthy, s.deploy?.last_status], ['failed', 'deploy-not-healthy', 0, false, 503]);
    assert.match(s.deploy!.last_body!, /"status":"starting"/);
    assert.match(s.errors[0]!, /never became healthy within 3s: it last answered 503 \(version v1\)/);
    assert.equal(await environments(), before, 'no test ran: no environment was created');
  });

  it('a deploy that reports another version is not healthy', async () => {
    plan = { failures: 0, status: 200, version: 'v1' };
    const r = await cli.run(['--wait-for', url, '--expect-version', 'v2', '--wait-timeout', '3s'], env());
    assert.equal(r.code, 1, explain(r));
    assert.deepEqual(
      [r.summary!.stage, r.summary!.deploy?.last_status, r.summary!.deploy?.last_version, r.summary!.deploy?.expected_version],
      ['deploy-not-healthy', 200, 'v1', 'v2'],
    );
  });

  it('--expect-version without --wait-for, or a URL that is not one, is a usage error', async () => {
    const a = await cli.run(['--expect-version', 'v2'], env());
    assert.equal(a.code, 2);
    assert.match(a.stderr, /--wait-timeout and --expect-version go with --wait-for URL/);
    const b = await cli.run(['--wait-for', 'not a url'], env());
    assert.equal(b.code, 2);
    assert.match(b.stderr, /--wait-for must be an http\(s\) URL .*\(got 'not a url'\)/);
  });
});
