#!/usr/bin/env node
// Runs the project's own tests (*.test.ts beside the code) with node's test runner through tsx.
// Node 20's runner cannot glob .ts files itself, so the files are found here.
// Usage: node scripts/test.mjs [--reliability] [path-or-substring ...]   (filters the files to run)
// The reliability suite (src/reliability/: faults injected on purpose, a few minutes) runs only
// with --reliability (`npm run test:reliability`); `npm test` runs everything else.
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const roots = ['src', 'scripts', 'fixtures'];
const reliability = process.argv.includes('--reliability');
const filters = process.argv.slice(2).filter((a) => a !== '--reliability');
const RELIABILITY = path.join('src', 'reliability') + path.sep;
const files = roots
  .flatMap((root) => {
    try {
      return readdirSync(root, { recursive: true }).map((f) => path.join(root, String(f)));
    } catch {
      return [];
    }
  })
  .filter((f) => f.endsWith('.test.ts') && !f.includes('node_modules'))
  .filter((f) => f.startsWith(RELIABILITY) === reliability)
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

if (files.length === 0) {
  console.error(`No test files matched ${filters.length ? filters.join(', ') : '*.test.ts'}`);
  process.exit(1);
}
// A bound on every test and every test file (node applies it to both), so a hang fails instead of
// holding CI until its own limit; the slowest file, src/runner/run.test.ts, takes about 6 minutes.
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-timeout=900000', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
