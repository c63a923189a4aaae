/**
 * The boundaries the layout promises: the emulators and the demo app are separate programs that
 * import nothing from the harness; the harness in src/ never imports the Playwright fixtures; the
 * demo app's adapter (the reference example) uses only what a team's adapter can — the package's
 * public entry and the app it drives; and no module imports itself back through others.
 * The programs' own tests (`*.test.ts`) may cross: they check the page objects against the real pages.
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
    for (const m of readFileSync(path.join(ROOT, file), 'utf8').matchAll(
      /^\s*(?:import|export)\b[^'"]*?from\s+['"](\.[^'"]+)['"]|\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/gm,
    )) {
      found.push({ file, target: path.relative(ROOT, path.resolve(ROOT, path.dirname(file), (m[1] ?? m[2])!)) });
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

test("the demo app's adapter imports only the package's public entry, the demo app it drives, and its own folder", () => {
  const allowed = (t: string) => t === 'src/index.ts' || t.startsWith('src/demo-app/') || t.startsWith('apps/demo-app/');
  assert.deepEqual(
    imports('apps').filter(({ target }) => !allowed(target)),
    [],
  );
});

test('no module imports itself back through others (no import cycles)', () => {
  const graph = new Map<string, string[]>();
  for (const dir of ['src', 'fixtures', 'apps', 'tests']) {
    for (const { file, target } of imports(dir)) graph.set(file, [...(graph.get(file) ?? []), target]);
  }
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, 'open');
    stack.push(f);
    for (const t of graph.get(f) ?? []) {
      if (state.get(t) === 'open') cycles.push([...stack.slice(stack.indexOf(t)), t].join(' → '));
      else if (!state.has(t)) visit(t);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f);
  assert.deepEqual(cycles, []);
});
