/**
 * The boundaries the layout promises: the emulators and the demo app are separate programs that
 * import nothing from the harness, and the harness in src/ never imports the Playwright fixtures.
 * The programs' own tests (`*.test.ts`) may: they check the page objects against the real pages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');

function imports(dir: string): { file: string; target: string }[] {
  const found: { file: string; target: string }[] = [];
  for (const rel of readdirSync(path.join(ROOT, dir), { recursive: true }).map(String)) {
    if (!rel.endsWith('.ts') || rel.endsWith('.test.ts')) continue;
    const file = path.join(dir, rel);
    for (const m of readFileSync(path.join(ROOT, file), 'utf8').matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+['"](\.[^'"]+)['"]/gm)) {
      found.push({ file, target: path.relative(ROOT, path.resolve(ROOT, path.dirname(file), m[1]!)) });
    }
  }
  return found;
}

test('the emulators and the demo app import nothing from the harness', () => {
  const programs = ['src/emulators', 'src/demo-app'];
  const crossing = programs.flatMap((dir) => imports(dir)).filter(({ target }) => !programs.some((p) => target.startsWith(`${p}/`)));
  assert.deepEqual(crossing, []);
});

test('nothing in src/ imports the Playwright fixtures or the specs', () => {
  const crossing = imports('src').filter(({ target }) => target.startsWith('fixtures/') || target.startsWith('tests/'));
  assert.deepEqual(crossing, []);
});
