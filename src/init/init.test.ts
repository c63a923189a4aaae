/**
 * `canary init` in-process, as the command runs it: what it writes into an empty folder, that it
 * never overwrites a file without --force (naming each one, writing nothing), that it adds to a
 * package.json and a .gitignore instead of replacing them, and bad folders. That the scaffold
 * passes `npx canary run` once installed is shown with the package itself (scripts/package.test.ts).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../cli/main.ts';
import { harnessVariables } from '../config/programs/harness.ts';

const own = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../package.json'), 'utf8')) as {
  version: string;
  peerDependencies: Record<string, string>;
};
const work = mkdtempSync(path.join(os.tmpdir(), 'canary-init-'));
after(() => rmSync(work, { recursive: true, force: true }));

async function init(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['init', ...args], {
    stdout: (l) => out.push(l),
    stderr: (l) => err.push(l),
    cwd: work,
    env: {},
    signal: AbortSignal.abort('SIGTERM'),
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** What the scaffold's .gitignore holds. */
const IGNORED = ['node_modules/', '.env', 'reports/', 'test-results/', 'playwright-report/', '.canary/'];

const SCAFFOLD = [
  'package.json',
  'canary.config.ts',
  'playwright.config.ts',
  'tsconfig.json',
  'apps/demo-app.ts',
  'apps/demo-app.page.ts',
  'canary/upgrade.spec.ts',
  '.env.example',
  '.github/workflows/canary-post-deploy.yml',
  '.github/workflows/canary-scheduled.yml',
  '.gitignore',
];

describe('canary init', () => {
  it('scaffolds an empty folder: every file, the package at ^ its version with its Playwright peer, and the next three commands', async () => {
    const r = await init(['my-monitor']);
    assert.equal(r.code, 0, r.err);
    const dir = path.join(work, 'my-monitor');
    for (const f of SCAFFOLD) assert.ok(existsSync(path.join(dir, f)), `${f} is written`);
    assert.deepEqual(
      r.out
        .split('\n')
        .filter((l) => l.startsWith('  wrote '))
        .map((l) => l.slice('  wrote my-monitor/'.length))
        .sort(),
      [...SCAFFOLD].sort(),
    );
    assert.match(r.out, /Next:\n {2}cd my-monitor && npm install\n {2}npx canary doctor.*\n {2}npx canary run$/);
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    assert.deepEqual(pkg, {
      name: 'my-monitor',
      private: true,
      type: 'module',
      scripts: { canary: 'canary', test: 'canary run', doctor: 'canary doctor' },
      devDependencies: { 'checkout-canary': `^${own.version}`, '@playwright/test': own.peerDependencies['@playwright/test'] },
    });
    // The copies import the installed package, never the package's own files.
    const adapter = readFileSync(path.join(dir, 'apps/demo-app.ts'), 'utf8');
    assert.match(adapter, /from 'checkout-canary';/);
    assert.match(adapter, /import\('checkout-canary\/demo-app'\)/);
    assert.doesNotMatch(adapter, /from '\.\.\/|import\('\.\.\//);
    assert.ok((adapter.match(/YOUR APP/g) ?? []).length >= 5, 'the places to change are marked');
    assert.match(readFileSync(path.join(dir, 'apps/demo-app.page.ts'), 'utf8'), /YOUR APP: your sign-up form/);
    assert.match(readFileSync(path.join(dir, 'canary/upgrade.spec.ts'), 'utf8'), /from 'checkout-canary\/test';/);
    assert.match(readFileSync(path.join(dir, 'canary.config.ts'), 'utf8'), /import \{ demoApp \} from '\.\/apps\/demo-app\.ts';/);
    // Every variable a user may set, commented, with what it does; none of canary's own.
    const example = readFileSync(path.join(dir, '.env.example'), 'utf8');
    for (const [name, v] of Object.entries(harnessVariables)) {
      if ((v as { internal?: boolean }).internal) assert.doesNotMatch(example, new RegExp(`${name}=`), `${name} is canary's own`);
      else assert.match(example, new RegExp(`^# .+\\n# ${name}=`, 'm'), `.env.example has ${name}, commented`);
    }
    for (const name of ['DEMO_APP_URL', 'DEMO_APP_ADMIN_TOKEN']) assert.match(example, new RegExp(`^# ${name}=`, 'm'));
    assert.deepEqual(readFileSync(path.join(dir, '.gitignore'), 'utf8').split('\n').filter(Boolean), IGNORED);
  });

  it('never overwrites: a second init exits 2 naming every file and writes nothing; --force overwrites them', async () => {
    const dir = path.join(work, 'my-monitor');
    writeFileSync(path.join(dir, 'canary.config.ts'), '// ours now\n');
    const again = await init(['my-monitor']);
    assert.equal(again.code, 2);
    assert.equal(again.err.split('\n').length, 1, 'one line');
    for (const f of SCAFFOLD.filter((x) => x !== 'package.json' && x !== '.gitignore')) assert.ok(again.err.includes(f), `${f} is named: ${again.err}`);
    assert.match(again.err, /nothing was written; pass --force to overwrite them$/);
    assert.equal(readFileSync(path.join(dir, 'canary.config.ts'), 'utf8'), '// ours now\n', 'untouched');
    const forced = await init(['my-monitor', '--force']);
    assert.equal(forced.code, 0, forced.err);
    assert.match(readFileSync(path.join(dir, 'canary.config.ts'), 'utf8'), /defineConfig/);
  });

  it("adds to a folder's own package.json and .gitignore, keeping every field and script of theirs", async () => {
    const dir = mkdtempSync(path.join(work, 'their-app-'));
    const theirs = {
      name: 'their-app',
      version: '3.1.4',
      description: 'their SaaS',
      scripts: { test: 'vitest', build: 'tsc' },
      dependencies: { react: '^19.0.0' },
      devDependencies: { vitest: '^3.0.0' },
    };
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify(theirs, null, 2));
    writeFileSync(path.join(dir, '.gitignore'), 'dist/\nnode_modules/\n');
    const r = await init([dir, '--package', 'file:../checkout-canary.tgz']);
    assert.equal(r.code, 0, r.err);
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    assert.deepEqual(pkg, {
      ...theirs,
      scripts: { test: 'vitest', build: 'tsc', canary: 'canary', doctor: 'canary doctor' },
      devDependencies: { vitest: '^3.0.0', 'checkout-canary': 'file:../checkout-canary.tgz', '@playwright/test': own.peerDependencies['@playwright/test'] },
    });
    assert.match(r.out, /kept your scripts\.test \("vitest"; canary's would be "canary run"\)/);
    // Theirs first, then ours that were missing (node_modules/ was there already).
    assert.deepEqual(readFileSync(path.join(dir, '.gitignore'), 'utf8').split('\n').filter(Boolean), ['dist/', ...IGNORED]);
  });

  it('a path that is a file, one under a file, or a broken package.json: one message, exit 2, nothing written', async () => {
    const file = path.join(work, 'a-file');
    writeFileSync(file, 'x');
    for (const [given, message] of [
      [file, /a-file is a file, not a folder/],
      [path.join(file, 'inside'), /cannot be created: .*a-file is a file/],
    ] as const) {
      const r = await init([given]);
      assert.equal(r.code, 2);
      assert.match(r.err, message);
      assert.equal(r.err.split('\n').length, 1);
    }
    const broken = mkdtempSync(path.join(work, 'broken-'));
    writeFileSync(path.join(broken, 'package.json'), '{ "name": ');
    const r = await init([broken]);
    assert.equal(r.code, 2);
    assert.match(r.err, /package\.json is not a package\.json init can add to/);
    assert.equal(existsSync(path.join(broken, 'canary.config.ts')), false, 'nothing written');
  });
});
