/**
 * The package as a team installs it: what `npm pack` makes of a clean copy of this repository
 * (its `prepare` builds dist/ from nothing), installed with `npm install <tarball>` into a new
 * project in a temporary folder, next to its own @playwright/test (a peer dependency). There:
 * `npx canary --version`; a canary.config.ts and a spec written with the package's exports
 * type-check with tsc (and a wrong type fails it); `npx canary run` passes against the embedded
 * emulator and demo app and writes its reports in the project, nothing in the package; the same
 * spec passes under a plain `npx playwright test`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runSummarySchema } from '../src/runner/summary-schema.ts';

const REPO = path.resolve(import.meta.dirname, '..');
const version = (pkg: string) => (JSON.parse(readFileSync(path.join(REPO, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
const OWN_VERSION = (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

/** The environment of the project's commands: none of the caller's configuration, none of npm's own. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(STRIPE_|DEMO_APP_|CANARY_|SLACK_|npm_)/.test(k) || k === 'CANARY_CHROMIUM') env[k] = v;
  return { ...env, CANARY_LOG_LEVEL: 'warn' };
}

interface Ran {
  code: number | null;
  /** stdout and stderr as they came. */
  out: string;
  stdout: string;
}

/** A command in its own process group, bounded; its output kept. Prints what it runs, as it starts (the slow ones take a minute). */
function sh(cwd: string, command: string, args: string[], boundMs: number): Promise<Ran> {
  process.stderr.write(`# package test: ${command} ${args.join(' ')} (in ${path.basename(cwd)}, bounded ${boundMs / 1000} s)\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const bound = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
      reject(new Error(`${command} ${args.join(' ')} did not finish within ${boundMs / 1000} s:\n${out.slice(-3000)}`));
    }, boundMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(bound);
      resolve({ code, out, stdout });
    });
  });
}

/** Every file under `dir`, relative to it (symbolic links not followed). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => !e.isDirectory())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

const CONFIG = `import { defineApp, defineConfig } from 'checkout-canary';
import { demoApp } from 'checkout-canary/demo-app';

// The bundled demo app's adapter, as a team starts from it: spread, renamed, one setting changed.
export default defineConfig({
  app: defineApp({ ...demoApp, name: 'our-demo', fulfilmentTimeout: '20s' }),
  testDir: 'canary',
  suites: { default: '@upgrade' },
  alerts: { alertAfter: 2 },
});
`;

const SPEC = `import { CARDS, expect, openCheckout, payWith, test, verifyUpgraded } from 'checkout-canary/test';

test('our customers can upgrade @upgrade', async ({ journey, canaryRun }) => {
  expect(canaryRun.id).toMatch(/^canary_/);
  await openCheckout(journey);
  await payWith(journey, CARDS.visa, 'left');
  const paid = await verifyUpgraded(journey, '4242');
  expect(paid.subscription.status).toBe('active');
});
`;

// A plain Playwright run, opted in to summary.json (checkout-canary/reporter) into plain-reports/.
const PLAYWRIGHT_CONFIG = `import { defineConfig } from '@playwright/test';

export default defineConfig({ testDir: 'canary', reporter: [['list'], ['checkout-canary/reporter', { outputDir: 'plain-reports' }]] });
`;

const TSCONFIG = JSON.stringify(
  {
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] },
    include: ['canary.config.ts', 'canary', 'playwright.config.ts'],
  },
  null,
  2,
);

describe('the package, installed from its tarball into a new project', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'canary-package-'));
  const project = path.join(work, 'project');
  let tarball = '';
  let installed = '';
  let before_: string[] = [];

  before(async () => {
    // A clean copy of the repository as a clone would have it (tracked and new files, not ignored ones), its node_modules linked.
    const copy = path.join(work, 'checkout');
    const listed = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: REPO, encoding: 'utf8' });
    assert.equal(listed.status, 0, listed.stderr);
    for (const file of listed.stdout.split('\0').filter(Boolean)) {
      if (!existsSync(path.join(REPO, file))) continue;
      mkdirSync(path.dirname(path.join(copy, file)), { recursive: true });
      cpSync(path.join(REPO, file), path.join(copy, file));
    }
    symlinkSync(path.join(REPO, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
    const packed = await sh(copy, 'npm', ['pack', '--json', '--pack-destination', work], 180_000);
    assert.equal(packed.code, 0, packed.out);
    const json = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string }[];
    tarball = path.join(work, json[0]!.filename);

    mkdirSync(project);
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'our-monitor', private: true, type: 'module' }, null, 2));
    const install = await sh(
      project,
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        tarball,
        `@playwright/test@${version('@playwright/test')}`,
        `typescript@${version('typescript')}`,
        `@types/node@${version('@types/node')}`,
      ],
      420_000,
    );
    assert.equal(install.code, 0, install.out);
    installed = path.join(project, 'node_modules', 'checkout-canary');
    before_ = filesUnder(installed);
    writeFileSync(path.join(project, 'canary.config.ts'), CONFIG);
    mkdirSync(path.join(project, 'canary'));
    writeFileSync(path.join(project, 'canary', 'upgrade.spec.ts'), SPEC);
    writeFileSync(path.join(project, 'playwright.config.ts'), PLAYWRIGHT_CONFIG);
    writeFileSync(path.join(project, 'tsconfig.json'), TSCONFIG);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('ships compiled JavaScript with type declarations, the bin and the docs, and no sources or tests of its own', () => {
    const files = filesUnder(installed);
    for (const f of [
      'bin/canary.js',
      'dist/src/cli/main.js',
      'dist/src/index.d.ts',
      'dist/fixtures/index.js',
      'dist/fixtures/index.d.ts',
      'dist/tests/upgrade.spec.js',
      'README.md',
      'LICENSE',
    ]) {
      assert.ok(files.includes(f), `${f} is in the package`);
    }
    assert.deepEqual(
      files.filter((f) => /\.test\.(js|ts)$|^src\/|\.tsbuildinfo$|^dist\/.*\/testing\//.test(f)),
      [],
      'no sources, no tests of the project, no build state',
    );
    const pkg = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8')) as { private?: boolean; peerDependencies: Record<string, string> };
    assert.equal(pkg.private, undefined);
    assert.ok(pkg.peerDependencies['@playwright/test'], '@playwright/test is a peer dependency');
    assert.ok(!existsSync(path.join(installed, 'node_modules', '@playwright', 'test')), 'the project has one copy of @playwright/test');
  });

  it('npx canary --version answers the version', async () => {
    const r = await sh(project, 'npx', ['canary', '--version'], 60_000);
    assert.equal(r.code, 0, r.out);
    assert.equal(r.out.trim(), OWN_VERSION);
  });

  it('a canary.config.ts with defineConfig and defineApp, and a spec on checkout-canary/test, type-check with tsc; a wrong type does not', async () => {
    const ok = await sh(project, 'npx', ['tsc', '-p', '.'], 120_000);
    assert.equal(ok.code, 0, ok.out);
    writeFileSync(
      path.join(project, 'canary', 'wrong.ts'),
      "import { defineApp } from 'checkout-canary';\nexport const wrong = defineApp({ name: 'x', priceLookupKey: 42 });\n",
    );
    try {
      const wrong = await sh(project, 'npx', ['tsc', '-p', '.'], 120_000);
      assert.equal(wrong.code, 2, wrong.out);
      // Column 45 is priceLookupKey's value.
      assert.match(wrong.out, /canary\/wrong\.ts\(2,45\): error TS2322: Type 'number' is not assignable to type 'string'/);
    } finally {
      rmSync(path.join(project, 'canary', 'wrong.ts'));
    }
  });

  it('npx canary run passes against the embedded emulator and demo app, its reports in the project and nothing in the package', async () => {
    const r = await sh(project, 'npx', ['canary', 'run'], 180_000);
    assert.equal(r.code, 0, r.out);
    const m = /^\s*report: (.+)$/m.exec(r.out);
    assert.ok(m, r.out);
    const reportDir = path.resolve(project, m[1]!.trim());
    assert.equal(path.dirname(reportDir), path.join(project, 'reports'), "the run folder is under the project's reports/");
    const summary = runSummarySchema.parse(JSON.parse(readFileSync(path.join(reportDir, 'summary.json'), 'utf8')));
    assert.deepEqual([summary.outcome, summary.grep, summary.target.app_name, summary.target.app], ['passed', '@upgrade', 'our-demo', 'embedded']);
    assert.deepEqual(
      summary.tests.map((t) => [t.title, t.file, t.outcome]),
      [['our customers can upgrade @upgrade', 'upgrade.spec.ts', 'passed']],
    );
    for (const f of ['html/index.html', 'results.json', 'junit.xml']) assert.ok(existsSync(path.join(reportDir, f)), `${f} is written`);
    assert.ok(existsSync(path.join(project, 'reports', 'history.sqlite')), "the history is the project's");
    assert.deepEqual(filesUnder(installed), before_, 'nothing was written inside node_modules/checkout-canary');
  });

  it('the same spec passes under a plain npx playwright test in the project, with summary.json where it opted in', async () => {
    const r = await sh(project, 'npx', ['playwright', 'test'], 180_000);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /1 passed/);
    assert.match(r.out, /canary\/upgrade\.spec\.ts/);
    const runs = readdirSync(path.join(project, 'plain-reports'));
    assert.equal(runs.length, 1, runs.join(', '));
    const summary = runSummarySchema.parse(JSON.parse(readFileSync(path.join(project, 'plain-reports', runs[0]!, 'summary.json'), 'utf8')));
    assert.match(summary.run_id, /^canary_\d{8}T\d{6}Z_/);
    assert.equal(summary.run_id, runs[0]);
    assert.deepEqual(
      [summary.outcome, summary.target.app_name, summary.target.stripe, summary.tests[0]?.outcome],
      ['passed', 'our-demo', 'emulator', 'passed'],
    );
    assert.ok(summary.finished_at, 'the reporter finished the summary itself');
    const t = summary.tests[0]!;
    assert.ok(
      t.cleanup.deleted.some((d) => d.type === 'customer' && d.id === t.stripe_ids.customer),
      JSON.stringify(t.cleanup),
    );
    assert.match(t.environment ?? '', /^env_/, 'the test had its tenant');
  });
});
