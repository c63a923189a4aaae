import { test } from 'node:test';
import assert from 'node:assert/strict';
import { figure, missing } from './figure.ts';
import type { Machine } from './machine.ts';
import { COLUMNS, consoleTable, markdownReport, markdownTable } from './render.ts';

const figures = [
  figure('run', 'cold: wall', 's', [15.2, 14.1, 16.9], { aim: { op: '<=', value: 180, kind: 'budget' } }),
  figure('peers', 'emulator ÷ stripe-stateful-mock: requests/s', 'x', [2.5], { note: 'above 1: the emulator serves more' }),
  missing('peers', 'a | b', 'x', 'no installable peer'),
];

const machine: Machine = {
  cpus: 2,
  cpu_model: 'AMD EPYC',
  memory_gib: 24,
  os: 'Linux 6.1 x64',
  node: 'v20.20.2',
  chromium: 'Chromium 150.0.7871.100',
  chromium_path: '/usr/bin/chromium',
  load_average: [1.5, 2, 2.25],
};

test('the console table aligns its columns: numbers to the right, words to the left', () => {
  const lines = consoleTable(figures).split('\n');
  assert.equal(lines.length, 2 + figures.length);
  assert.match(lines[0]!, /^benchmark\s+figure\s+median\s+min\s+max\s+n\s+aim\s+verdict\s+note$/);
  assert.match(lines[1]!, /^-+( {2}-+)+$/);
  assert.match(lines[2]!, /^run {4,}cold: wall\s+15\.2 s\s+14\.1 s\s+16\.9 s\s+3\s+budget ≤ 180 s\s+met$/);
  // Right-aligned: the medians end in the same column.
  const end = (line: string, cell: string) => line.indexOf(cell) + cell.length;
  assert.equal(end(lines[2]!, '15.2 s'), end(lines[3]!, '2.500×'));
  assert.equal(end(lines[3]!, '2.500×'), end(lines[4]!.replace(/—/, 'X'), 'X'));
});

test('the Markdown table has a row a figure, numbers right-aligned, pipes escaped, — where there is no number', () => {
  const lines = markdownTable(figures).split('\n');
  assert.equal(lines[0], `| ${COLUMNS.join(' | ')} |`);
  assert.equal(lines[1], '|---|---|---:|---:|---:|---:|---|---|---|');
  assert.equal(lines[2], '| run | cold: wall | 15.2 s | 14.1 s | 16.9 s | 3 | budget ≤ 180 s | met |  |');
  assert.equal(lines[4], '| peers | a \\| b | — | — | — | 0 | — | — | no installable peer |');
});

test('the Markdown report names the machine and when the figures were taken', () => {
  const md = markdownReport({
    title: 'checkout-canary benchmarks',
    generated_at: '2026-12-02T14:00:00.000Z',
    mode: 'quick',
    benchmarks: ['run', 'peers'],
    duration_s: 184.4,
    machine,
    commit: 'abc1234',
    figures,
  });
  assert.match(md, /^### checkout-canary benchmarks\n/);
  assert.match(
    md,
    /Taken 2026-12-02T14:00:00.000Z \(quick run, commit abc1234, 184 s\) on: 2 × AMD EPYC, 24 GiB, Linux 6.1 x64, Node v20.20.2, Chromium 150.0.7871.100, load average 1.50 2.00 2.25 at start\./,
  );
  assert.ok(md.includes(markdownTable(figures)));
});
