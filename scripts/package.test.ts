/**
 * The package as a team meets it, following the README's "Monitor your own app" steps as written:
 * what `npm pack` makes of a clean copy of this repository (its `prepare` builds dist/ from
 * nothing) stands in for the registry's `checkout-canary`; `npx checkout-canary init my-monitor`,
 * `npm install`, `npx canary doctor` and `npx canary run` in a temporary folder. Then, in that
 * project: what the package ships, `npx canary --version`, the scaffold type-checking with tsc
 * (and a wrong type failing it), the same spec under a plain `npx playwright test` with its opt-in
 * summary.json, a second init refusing to overwrite, and nothing ever written inside the package.
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

/** The commands of the README's "Monitor your own app" block, comments dropped. */
function readmeSteps(): string[] {
  const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Monitor your own app'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return block
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter(Boolean);
}

describe('the package, from its tarball, following the README', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'canary-package-'));
  const project = path.join(work, 'my-monitor');
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
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it("the README's steps, as written: init, npm install, doctor, run — green out of the box, its reports in the project", async () => {
    const steps = readmeSteps();
    assert.deepEqual(steps, ['npx checkout-canary init my-monitor', 'cd my-monitor && npm install', 'npx canary doctor', 'npx canary run']);
    // `checkout-canary` is this tarball here (not on the registry yet): npx installs it and runs its one bin, `canary`.
    const init = await sh(work, 'npx', ['--yes', `--package=${tarball}`, 'canary', 'init', 'my-monitor', '--package', `file:${tarball}`], 420_000);
    assert.equal(init.code, 0, init.out);
    assert.match(init.out, /wrote my-monitor\/apps\/demo-app\.ts/);
    assert.match(init.out, /Next:\n {2}cd my-monitor && npm install\n {2}npx canary doctor.*\n {2}npx canary run/);

    const install = await sh(project, 'npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], 420_000);
    assert.equal(install.code, 0, install.out);
    installed = path.join(project, 'node_modules', 'checkout-canary');
    before_ = filesUnder(installed);

    const doctor = await sh(project, 'npx', ['canary', 'doctor'], 120_000);
    assert.equal(doctor.code, 0, doctor.out);
    assert.match(doctor.out, /✔ config +.*my-monitor\/canary\.config\.ts: valid/);
    assert.match(doctor.out, /12 checks: \d+ passed, 0 failed, \d+ warnings?/);

    const run = await sh(project, 'npx', ['canary', 'run'], 180_000);
    assert.equal(run.code, 0, run.out);
    const m = /^\s*report: (.+)$/m.exec(run.out);
    assert.ok(m, run.out);
    const reportDir = path.resolve(project, m[1]!.trim());
    assert.equal(path.dirname(reportDir), path.join(project, 'reports'), "the run folder is under the project's reports/");
    const summary = runSummarySchema.parse(JSON.parse(readFileSync(path.join(reportDir, 'summary.json'), 'utf8')));
    assert.deepEqual([summary.outcome, summary.grep, summary.target.app_name, summary.target.app], ['passed', '@critical', 'demo-app', 'embedded']);
    assert.deepEqual(
      summary.tests.map((t) => [t.title, t.file, t.outcome]),
      [['a customer upgrades to the paid plan through Stripe Checkout @critical', 'upgrade.spec.ts', 'passed']],
    );
    for (const f of ['html/index.html', 'results.json', 'junit.xml']) assert.ok(existsSync(path.join(reportDir, f)), `${f} is written`);
    assert.ok(existsSync(path.join(project, 'reports', 'history.sqlite')), "the history is the project's");
  });

  it('ships compiled JavaScript with type declarations, the bin, the templates and the docs, and no sources or tests of its own', () => {
    const files = filesUnder(installed);
    for (const f of [
      'bin/canary.js',
      'dist/src/cli/main.js',
      'dist/src/index.d.ts',
      'dist/fixtures/index.js',
      'dist/fixtures/index.d.ts',
      'dist/tests/upgrade.spec.js',
      'templates/canary.config.ts',
      'apps/demo-app/adapter.ts',
      'docs/own-app.md',
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

  it('the scaffold — defineConfig, the defineApp adapter, a spec on checkout-canary/test — type-checks with tsc; a wrong type does not', async () => {
    const tools = await sh(
      project,
      'npm',
      ['install', '--no-save', '--no-audit', '--no-fund', '--prefer-offline', `typescript@${version('typescript')}`, `@types/node@${version('@types/node')}`],
      300_000,
    );
    assert.equal(tools.code, 0, tools.out);
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

  it('the same spec passes under a plain npx playwright test, with the summary.json it opted in to', async () => {
    const runs = () => new Set(readdirSync(path.join(project, 'reports')).filter((d) => d.startsWith('canary_')));
    const known = runs();
    const r = await sh(project, 'npx', ['playwright', 'test'], 180_000);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /1 passed/);
    assert.match(r.out, /canary\/upgrade\.spec\.ts/);
    const fresh = [...runs()].filter((d) => !known.has(d));
    assert.equal(fresh.length, 1, fresh.join(', '));
    const summary = runSummarySchema.parse(JSON.parse(readFileSync(path.join(project, 'reports', fresh[0]!, 'summary.json'), 'utf8')));
    assert.equal(summary.run_id, fresh[0]);
    assert.deepEqual(
      [summary.outcome, summary.target.app_name, summary.target.stripe, summary.tests[0]?.outcome],
      ['passed', 'demo-app', 'emulator', 'passed'],
    );
    assert.ok(summary.finished_at, 'the reporter finished the summary itself');
    const t = summary.tests[0]!;
    assert.ok(
      t.cleanup.deleted.some((d) => d.type === 'customer' && d.id === t.stripe_ids.customer),
      JSON.stringify(t.cleanup),
    );
    assert.match(t.environment ?? '', /^env_/, 'the test had its tenant');
  });

  it('a second init exits 2 naming the files it would overwrite and writes nothing; with --force it succeeds', async () => {
    const config = readFileSync(path.join(project, 'canary.config.ts'), 'utf8');
    writeFileSync(path.join(project, 'canary.config.ts'), `${config}// edited\n`);
    const again = await sh(project, 'npx', ['canary', 'init'], 60_000);
    assert.equal(again.code, 2, again.out);
    assert.match(
      again.out,
      /canary init: canary\.config\.ts, playwright\.config\.ts, tsconfig\.json, apps\/demo-app\.ts, .* already exist in \.: nothing was written; pass --force to overwrite them/,
    );
    assert.match(readFileSync(path.join(project, 'canary.config.ts'), 'utf8'), /\/\/ edited\n$/);
    const forced = await sh(project, 'npx', ['canary', 'init', '--force', '--package', `file:${tarball}`], 60_000);
    assert.equal(forced.code, 0, forced.out);
    assert.equal(readFileSync(path.join(project, 'canary.config.ts'), 'utf8'), config);
  });

  it('nothing was ever written inside node_modules/checkout-canary', () => {
    assert.deepEqual(filesUnder(installed), before_);
  });
});
