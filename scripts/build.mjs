#!/usr/bin/env node
// `npm run build`: the harness compiled to JavaScript with type declarations in dist/ (the sources'
// layout: dist/src, dist/fixtures, dist/apps, dist/tests), and the files tsc does not emit copied
// beside it. Incremental; `--clean` starts from an empty dist/ (what `prepare`, and so `npm pack`, does).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const ASSETS = ['src/emulators/stripe/checkout-page/client.js', 'src/runner/summary.schema.json'];

if (process.argv.includes('--clean')) rmSync(path.join(root, 'dist'), { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const result = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
if (result.status !== 0) process.exit(result.status ?? 1);
for (const asset of ASSETS) {
  const target = path.join(root, 'dist', asset);
  mkdirSync(path.dirname(target), { recursive: true });
  copyFileSync(path.join(root, asset), target);
}
