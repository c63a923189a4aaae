/**
 * Two real `canary schedule` copies on one PostgreSQL, running the API checks on a ten-second
 * cron against the demo app on a Stripe emulator, with a Slack emulator: every checks occurrence
 * runs on exactly one copy (and its two checks are in the shared history once); the copy running
 * one is SIGKILLed mid-check (its Stripe requests held by a proxy, so it is surely inside one) and
 * the survivor raises one `monitor` alert naming that copy and occurrence, and no second one; each
 * copy's /metrics reads as Prometheus text and counts the checks it ran; /healthz answers 200.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import pg from 'pg';
import { startChecksHarness, type ChecksHarness } from '../checks/testing/checks-harness.ts';
import { parsePrometheusText } from '../health/testing/prometheus.ts';
import { canaryCli, explain, waitFor, type CanaryCli, type Finished } from '../runner/testing/canary-cli.ts';
import { startPostgres, type StartedPostgres } from '../testing/postgres.ts';

const ISO = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/;

interface Copy {
  child: ChildProcess;
  owner: string;
  out: () => string;
  finished: Promise<Finished>;
  health: () => string | undefined;
}

/** A proxy in front of the emulator that holds Stripe API requests while `hold` is on. */
async function holdingProxy(target: string): Promise<{ url: string; hold: boolean; held: number; release(): void; close(): Promise<void> }> {
  const waiting: (() => void)[] = [];
  const t = new URL(target);
  const forward = (req: IncomingMessage, res: ServerResponse) => {
    // A held request whose client was killed meanwhile is dropped, not sent on.
    if (req.socket.destroyed) return;
    // No keep-alive: no connection to the emulator outlives its request (the emulator's close waits for them).
    const up = request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers, agent: false }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    res.on('close', () => up.destroy());
    req.pipe(up);
  };
  const state = {
    url: '',
    hold: false,
    held: 0,
    release() {
      state.hold = false;
      for (const go of waiting.splice(0)) go();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const server: Server = createServer((req, res) => {
    if (state.hold && req.url?.startsWith('/v1/')) {
      state.held++;
      waiting.push(() => forward(req, res));
      return;
    }
    forward(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

/** The occurrences a copy's log says it has (mine) or another copy has (theirs). */
function answers(out: string): Map<string, 'mine' | 'theirs'> {
  const m = new Map<string, 'mine' | 'theirs'>();
  for (const x of out.matchAll(new RegExp(`schedule: checks: (this|another) copy \\(.+?\\) has the occurrence at (${ISO.source})`, 'g'))) {
    m.set(x[2]!, x[1] === 'this' ? 'mine' : 'theirs');
  }
  return m;
}

describe('canary schedule: the API checks on their own cron, across copies', () => {
  let c: ChecksHarness;
  let server: StartedPostgres;
  let cli: CanaryCli;
  let proxy: Awaited<ReturnType<typeof holdingProxy>>;
  let db: pg.Pool;

  before(async () => {
    [c, server] = await Promise.all([startChecksHarness(`sk_test_sched${Math.random().toString(36).slice(2, 10)}`), startPostgres()]);
    proxy = await holdingProxy(c.h.emulator.url);
    cli = canaryCli({ boundMs: 240_000 });
    db = new pg.Pool({ connectionString: server.url, max: 1, connectionTimeoutMillis: 5_000 });
  });
  after(async () => {
    proxy?.release();
    cli?.close();
    await db?.end();
    await Promise.all([proxy?.close(), c?.close(), server?.stop()]);
  });

  function startCopy(): Copy {
    let child!: ChildProcess;
    let out = '';
    const finished = cli.command(
      ['schedule', '--cron', '0 0 1 1 *', '--prune-cron', '0 0 1 1 *', '--checks-cron', '*/10 * * * * *', '--health-port', '0', '--health-host', '127.0.0.1'],
      {
        ...c.env,
        STRIPE_API_URL: proxy.url,
        CANARY_COORDINATOR_URL: server.url,
        CANARY_COORDINATOR_LEASE: '5s',
        // The routine claim lines ("this copy has the occurrence…") are debug lines.
        CANARY_LOG_LEVEL: 'debug',
      },
      (ch) => {
        child = ch;
        ch.stdout!.on('data', (d: Buffer) => (out += d.toString()));
        ch.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      },
    );
    return {
      child,
      owner: `${os.hostname()} pid ${child.pid}`,
      out: () => out,
      finished,
      health: () => /schedule: health: GET (http:\/\/127\.0\.0\.1:\d+)\/healthz/.exec(out)?.[1],
    };
  }

  it('runs each occurrence once; a copy killed mid-check is one monitor alert; /metrics counts the runs', async () => {
    const a = startCopy();
    const b = startCopy();
    const tail = (x: Copy) => `\n--- ${x.owner}\n${x.out().slice(-4000)}`;
    await waitFor('both copies serving /healthz', () => (a.health() && b.health() ? true : undefined), 30_000).catch((e: Error) =>
      assert.fail(e.message + tail(a) + tail(b)),
    );
    // Three occurrences both copies asked for: exactly one ran each.
    const contested = await waitFor(
      'three checks occurrences both copies answered',
      () => {
        const [x, y] = [answers(a.out()), answers(b.out())];
        const both = [...x.keys()].filter((t) => y.has(t));
        return both.length >= 3 ? both : undefined;
      },
      60_000,
    ).catch((e: Error) => assert.fail(e.message + tail(a) + tail(b)));
    for (const t of contested) assert.notEqual(answers(a.out()).get(t), answers(b.out()).get(t), `${t}: exactly one copy has it${tail(a)}${tail(b)}`);

    // Each copy's /metrics counts the webhooks checks it ran.
    for (const x of [a, b]) {
      const ran = (x.out().match(/webhooks passed \(/g) ?? []).length;
      const res = await fetch(`${x.health()}/metrics`);
      assert.equal(res.status, 200);
      const m = parsePrometheusText(await res.text());
      const counted = m.get('canary_runs_total{check="webhooks",outcome="passed"}') ?? 0;
      // A check may finish between reading the log and the metrics.
      assert.ok(counted === ran || counted === ran + 1, `${x.owner}: /metrics counts ${counted} webhooks runs, its log ${ran}${tail(x)}`);
      assert.equal((await fetch(`${x.health()}/healthz`)).status, 200);
    }
    const history = await db.query<{ check: string; n: string }>(
      `select summary->>'check' as check, count(*) as n from canary_history where summary->>'check' in ('webhooks', 'reconcile') group by 1 order by 1`,
    );
    const ranTotal = [a, b].reduce((n, x) => n + [...answers(x.out()).values()].filter((v) => v === 'mine').length, 0);
    for (const row of history.rows)
      assert.ok(Number(row.n) <= ranTotal + 1 && Number(row.n) >= ranTotal - 1, `${row.check}: ${row.n} runs for ${ranTotal} occurrences`);

    // Hold Stripe: the next occurrence's copy is then inside a check when it is killed.
    proxy.hold = true;
    await waitFor('a check held inside a request', () => (proxy.held > 0 ? true : undefined), 20_000);
    const started = (x: Copy) => (x.out().match(/schedule: checks: started/g) ?? []).length;
    const finishedChecks = (x: Copy) => (x.out().match(/schedule: checks: (?!started|scheduled|this|another).+ in \d+\.\d s/g) ?? []).length;
    const victim = [a, b].find((x) => started(x) > finishedChecks(x));
    assert.ok(victim, `one copy is inside its checks${tail(a)}${tail(b)}`);
    const survivor = victim === a ? b : a;
    const occurrence = [...answers(victim.out())].filter(([, v]) => v === 'mine').at(-1)![0];
    process.kill(-victim.child.pid!, 'SIGKILL');
    const killed = await victim.finished;
    assert.equal(killed.signal, 'SIGKILL');
    proxy.release();

    const monitor = await waitFor(
      'the monitor alert in Slack',
      async () => {
        const found = (await c.messages()).filter((m) => /checkout-canary monitor FAILED/.test(m.text));
        return found.length ? found : undefined;
      },
      60_000,
    ).catch((e: Error) => assert.fail(e.message + tail(survivor)));
    const blocks = JSON.stringify(monitor[0]!.blocks);
    assert.ok(blocks.includes(victim.owner), `the alert names the copy ${victim.owner}: ${blocks}`);
    assert.ok(blocks.includes(`canary-checks@${occurrence}`), `the alert names the occurrence ${occurrence}: ${blocks}`);
    assert.match(survivor.out(), new RegExp(`checks: the occurrence at ${occurrence.replace(/\./g, '\\.')} was abandoned by ${victim.owner}`));

    // The survivor keeps the schedule, and says it once: two more occurrences, still one alert.
    const before = [...answers(survivor.out()).values()].filter((v) => v === 'mine').length;
    await waitFor(
      'two more occurrences on the survivor',
      () => ([...answers(survivor.out()).values()].filter((v) => v === 'mine').length >= before + 2 ? true : undefined),
      40_000,
    ).catch((e: Error) => assert.fail(e.message + tail(survivor)));
    assert.equal((await c.messages()).filter((m) => /checkout-canary monitor FAILED/.test(m.text)).length, 1, 'one monitor alert');
    const metrics = parsePrometheusText(await (await fetch(`${survivor.health()}/metrics`)).text());
    assert.equal(metrics.get('canary_runs_total{check="monitor",outcome="failed"}'), 1);
    assert.equal(metrics.get('canary_alerts_sent_total{kind="alert"}'), 1);

    survivor.child.kill('SIGTERM');
    const stopped = await survivor.finished;
    assert.equal(stopped.code, 0, explain(stopped));
  });
});
