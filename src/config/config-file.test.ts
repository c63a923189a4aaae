/**
 * canary.config.ts: found, loaded (TypeScript through tsx, as the `canary` command does), checked
 * with every problem named at once by its path, merged under the environment, and the project it
 * makes: everything a run writes resolves against the config file's folder.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../cli/main.ts';
import { startCountingServer } from '../testing/counting-server.ts';
import { tempProject, type TempProject } from '../testing/project.ts';
import { importWithTsx } from './config-file.ts';
import { defineConfig } from './define-config.ts';
import { loadSettings, type Settings } from './project.ts';
import { ConfigProblems } from './variables.ts';

/** A minimal adapter of a deployed app, with `extra` written into it. */
const adapter = (extra = '') =>
  `defineApp({ name: 'acme', url: 'https://app.acme.example', priceLookupKey: 'acme_team_monthly', signUp: async () => {}, startUpgrade: async () => {}, verifyUpgraded: async () => {}, ${extra} })`;
const config = (body: string, imports = "import { defineApp, defineConfig } from 'checkout-canary';") => `${imports}\nexport default defineConfig(${body});\n`;

const projects: TempProject[] = [];
after(() => {
  for (const p of projects) p.remove();
});
function project(files: Record<string, string>): TempProject {
  const p = tempProject(files);
  projects.push(p);
  return p;
}

async function settings(p: TempProject, env: NodeJS.ProcessEnv = {}, configFlag?: string, cwd = p.dir): Promise<Settings> {
  return loadSettings({ cwd, env, configFlag, importer: importWithTsx });
}

/** The problems loading the project reports (and that it reports them as one ConfigProblems). */
async function problems(p: TempProject, env: NodeJS.ProcessEnv = {}, configFlag?: string): Promise<string[]> {
  try {
    await settings(p, env, configFlag);
  } catch (err) {
    assert.ok(err instanceof ConfigProblems, `a ConfigProblems, not ${(err as Error).stack}`);
    return err.problems;
  }
  assert.fail('the project loaded without a problem');
}

describe('the config file: every problem at once, each with its path', () => {
  it('a wrong type names its path, what was expected and what was given', async () => {
    const p = project({ 'canary.config.ts': config(`{ app: ${adapter().replace("'acme_team_monthly'", '42')} }`) });
    assert.deepEqual(await problems(p), ['app.priceLookupKey: expected a string, got number (42)']);
  });

  it('an unknown key is named, with the known key it most likely meant', async () => {
    const p = project({ 'canary.config.ts': config('{ alerts: { alertAfterr: 2 } }') });
    assert.deepEqual(await problems(p), ['alerts.alertAfterr: unknown key "alertAfterr" — did you mean "alertAfter"?']);
  });

  it('several problems are all reported, each with its path', async () => {
    const p = project({
      'canary.config.ts': config(
        `{ app: ${adapter('startUpgrade: undefined').replace("'acme_team_monthly'", '42')}, alerts: { alertAfterr: 2, remindEvery: 0 }, timeout: '10 minutes', schedule: { cron: 'every day' }, stripe: { secretKey: 'sk_test_51SecretInAFile' } }`,
      ),
    });
    const found = await problems(p);
    assert.deepEqual(found.map((x) => x.split(':')[0]).sort(), [
      'alerts.alertAfterr',
      'alerts.remindEvery',
      'app.priceLookupKey',
      'app.startUpgrade',
      'schedule.cron',
      'stripe.secretKey',
      'timeout',
    ]);
    assert.ok(found.includes('alerts.remindEvery: must be at least 1 (got 0)'), found.join('\n'));
    assert.ok(
      found.some((x) => /^timeout: must be a duration such as 90s, 10m, 7d .*\(got "10 minutes"\)$/.test(x)),
      found.join('\n'),
    );
    assert.ok(
      found.some((x) => /^app\.startUpgrade: missing: the adapter must define startUpgrade\(ctx\), which opens billing/.test(x)),
      found.join('\n'),
    );
    assert.ok(found.includes('stripe.secretKey: keep secrets out of the file: set STRIPE_SECRET_KEY in the environment or .env'), found.join('\n'));
    assert.ok(!found.join('\n').includes('sk_test_51SecretInAFile'), 'the secret given in the file is not repeated');
  });

  it('an adapter missing a required step, or with a step that is not a function, is named', async () => {
    const p = project({ 'canary.config.ts': config(`{ app: ${adapter("verifyUpgraded: 'yes', tenant: { create: async () => ({ id: 't' }) }")} }`) });
    assert.deepEqual((await problems(p)).sort(), [
      'app.tenant.delete: missing: the adapter must define tenant.delete(ctx, id)',
      'app.verifyUpgraded: must be a function: verifyUpgraded(ctx), which proves in the app\'s UI that the account is on the paid plan (got "yes")',
    ]);
  });

  it('a syntax error, a throw while loading and a missing default export each name the file', async () => {
    assert.match(
      (await problems(project({ 'canary.config.ts': 'export default {\n' })))[0]!,
      /^could not be loaded: .*canary\.config\.ts:2:0: ERROR: Expected /,
    );
    assert.deepEqual(await problems(project({ 'canary.config.mjs': "throw new Error('no config today');\n" })), ['could not be loaded: no config today']);
    assert.match(
      (await problems(project({ 'canary.config.js': 'export const app = {};\n' })))[0]!,
      /^has no default export: end it with `export default defineConfig/,
    );
  });

  it('--config names a file that must exist, be a file and be the only config meant', async () => {
    const p = project({});
    assert.deepEqual(await problems(p, {}, 'nope.config.ts'), ['--config nope.config.ts: no such file']);
    mkdirSync(path.join(p.dir, 'a-folder'));
    assert.deepEqual(await problems(p, {}, 'a-folder'), ['--config a-folder: is a folder, not a config file']);
    p.write('canary.config.ts', config('{}'));
    p.write('canary.config.js', 'export default {};\n');
    assert.match((await problems(p))[0]!, /has canary\.config\.ts and canary\.config\.js: keep one, or name it with --config FILE$/);
  });

  it("the adapter's variables are checked with the rest, and a bad one named", async () => {
    const p = project({
      'canary.config.ts': config(
        `{ app: ${adapter("variables: { ACME_ADMIN_TOKEN: { schema: z.string().min(20, 'must be at least 20 characters').optional(), description: 'the admin API token', secret: true } }")} }`,
        "import { defineApp, defineConfig, z } from 'checkout-canary';",
      ),
    });
    assert.deepEqual(await problems(p, { ACME_ADMIN_TOKEN: 'short', CANARY_ALERT_AFTER: 'x' }), [
      "CANARY_ALERT_AFTER must be a whole number (got 'x'); see .env.example",
      "ACME_ADMIN_TOKEN must be at least 20 characters (got 'short'); see .env.example",
    ]);
    const s = await settings(p, { ACME_ADMIN_TOKEN: 'a-long-enough-admin-token' });
    assert.deepEqual(s.appVariables.raw, { ACME_ADMIN_TOKEN: 'a-long-enough-admin-token' });
  });
});

describe('the project a config file makes', () => {
  it('the environment and .env win over the file, the file over the defaults', async () => {
    const p = project({
      'canary.config.ts': config(
        `{ app: ${adapter("fulfilmentTimeout: '20s'")}, alerts: { alertAfter: 3, remindEvery: 2 }, retention: { failed: '3d' }, suites: { default: '@smoke' }, timeout: '5m' }`,
      ),
      '.env': 'CANARY_REMIND_EVERY=6\n',
    });
    const s = await settings(p, { CANARY_ALERT_AFTER: '5', CANARY_PRICE_LOOKUP_KEY: 'from_env' });
    assert.deepEqual(
      [s.config.CANARY_ALERT_AFTER, s.config.CANARY_REMIND_EVERY, s.config.CANARY_RETENTION, s.config.CANARY_RUN_TIMEOUT, s.config.CANARY_STRIPE_RATE],
      [5, 6, 3 * 86_400_000, 300_000, 24],
    );
    assert.deepEqual([s.priceLookupKey, s.fulfilmentMs, s.suites], ['from_env', 20_000, { default: '@smoke', schedule: '@smoke' }]);
    assert.equal(s.appUrl, 'https://app.acme.example');
    assert.equal((await settings(p, { CANARY_APP_URL: 'https://staging.acme.example' })).appUrl, 'https://staging.acme.example');
  });

  it("what a run writes resolves against the config file's folder, wherever the command runs", async () => {
    const p = project({
      'monitor/canary.config.ts': config("{ testDir: 'checks', reports: { dir: 'out/reports' } }"),
      'monitor/checks/.keep': '',
      'monitor/.env': 'CANARY_STATE_DIR=out/state\n',
    });
    const s = await settings(p, {}, 'monitor/canary.config.ts');
    assert.deepEqual(s.project, { root: path.join(p.dir, 'monitor'), configFile: path.join(p.dir, 'monitor', 'canary.config.ts') });
    assert.equal(s.config.CANARY_REPORTS_DIR, path.join(p.dir, 'monitor', 'out', 'reports'));
    assert.equal(s.config.CANARY_STATE_DIR, path.join(p.dir, 'monitor', 'out', 'state'));
    assert.equal(s.testDir, path.join(p.dir, 'monitor', 'checks'));
    assert.equal(s.app.name, 'demo-app', 'no app in the file: the bundled demo app');
    assert.deepEqual(await problems(project({ 'canary.config.ts': config("{ testDir: 'no-such-folder' }") })), [
      `testDir: ${path.join(projects.at(-1)!.dir, 'no-such-folder')} is not a folder (got 'no-such-folder')`,
    ]);
  });

  it('with no config file: the current folder, the bundled demo app and specs, the defaults', async () => {
    const p = project({});
    const s = await settings(p);
    assert.deepEqual([s.project.configFile, s.project.root, s.app.name, s.appUrl, s.priceLookupKey], [null, p.dir, 'demo-app', null, 'canary_pro_monthly']);
    assert.equal(s.config.CANARY_REPORTS_DIR, path.join(p.dir, 'reports'));
    assert.ok(existsSync(path.join(s.testDir, `upgrade.spec${path.extname(import.meta.filename)}`)) || existsSync(path.join(s.testDir, 'upgrade.spec.ts')));
  });

  it('defineConfig merges several configs as Playwright does: later wins, sections merge key by key', () => {
    const merged = defineConfig(
      { timeout: '5m', alerts: { alertAfter: 2, slack: { channel: 'C01' } } },
      { alerts: { remindEvery: 3, slack: { apiUrl: 'http://x/' } }, testDir: 'c' },
    );
    assert.deepEqual(merged, { timeout: '5m', alerts: { alertAfter: 2, remindEvery: 3, slack: { channel: 'C01', apiUrl: 'http://x/' } }, testDir: 'c' });
  });
});

describe('canary with a bad config file', () => {
  it('exits 2 naming every problem by its path, before any request and without writing anything', async () => {
    const server = await startCountingServer();
    const wrongType = `app: ${adapter().replace("'acme_team_monthly'", '42')}`;
    const unknownKey = 'alerts: { alertAfterr: 2 }';
    const cases: [string, string[]][] = [
      [`{ ${wrongType} }`, ['canary.config.ts: app.priceLookupKey: expected a string, got number (42)']],
      [`{ ${unknownKey} }`, ['canary.config.ts: alerts.alertAfterr: unknown key "alertAfterr" — did you mean "alertAfter"?']],
      [
        `{ ${wrongType}, ${unknownKey} }`,
        [
          'canary.config.ts has 2 configuration problems:',
          '  app.priceLookupKey: expected a string, got number (42)',
          '  alerts.alertAfterr: unknown key "alertAfterr" — did you mean "alertAfter"?',
        ],
      ],
    ];
    try {
      for (const [body, lines] of cases) {
        const p = project({ 'canary.config.ts': config(body) });
        for (const args of [['run'], ['prune'], ['schedule'], ['history'], ['run', '--config', 'canary.config.ts']]) {
          const err: string[] = [];
          const code = await runCli(args, {
            stdout: () => {},
            stderr: (l) => err.push(l),
            cwd: p.dir,
            env: { STRIPE_SECRET_KEY: 'sk_test_badconfig123', STRIPE_API_URL: server.url, CANARY_APP_URL: server.url },
            signal: AbortSignal.abort('SIGTERM'),
          });
          assert.equal(code, 2, `canary ${args.join(' ')}: ${err.join('\n')}`);
          assert.deepEqual(err.join('\n').split('\n'), [`canary ${args[0]}: ${lines[0]}`, ...lines.slice(1)]);
        }
        assert.equal(existsSync(path.join(p.dir, 'reports')), false, 'no reports folder was made');
      }
      assert.equal(server.requests(), 0, 'no request reached Stripe or the app');
    } finally {
      server.close();
    }
  });
});
