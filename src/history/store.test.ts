/**
 * The SQLite history: the store contract, its schema version, runs finishing at once in separate
 * processes, and a history that cannot be written never failing the run that writes it.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { recordRun } from './record.ts';
import { SQLITE_SCHEMA_VERSION } from './sqlite.ts';
import { openHistory, SQLITE_FILE } from './store.ts';
import { runSummary } from './testing/runs.ts';
import { storeContract } from './testing/store-contract.ts';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'canary-history-'));
  dirs.push(d);
  return d;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const configFor = (reportsDir: string, reportUrl?: string) => ({
  CANARY_REPORTS_DIR: reportsDir,
  CANARY_REPORT_URL: reportUrl,
  CANARY_COORDINATOR_URL: undefined,
});

describe('the SQLite history store', () => {
  storeContract(() => {
    const reportsDir = tempDir();
    const reportUrl = 'https://reports.example.com/canary';
    return {
      reportsDir,
      reportUrl,
      fresh: () => openHistory(configFor(reportsDir, reportUrl)),
      again: () => openHistory(configFor(reportsDir, reportUrl)),
    };
  });

  it('lives in <reports>/history.sqlite, in WAL mode, with its schema version in user_version', async () => {
    const reportsDir = path.join(tempDir(), 'nested', 'reports');
    const store = await openHistory(configFor(reportsDir));
    await store.close();
    const db = new Database(path.join(reportsDir, SQLITE_FILE), { readonly: true });
    try {
      assert.equal(db.pragma('user_version', { simple: true }), SQLITE_SCHEMA_VERSION);
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    } finally {
      db.close();
    }
    // Opening again migrates nothing and loses nothing.
    const again = await openHistory(configFor(reportsDir));
    await again.close();
  });

  it('read-only, a history that does not exist yet is empty and is not created', async () => {
    const reportsDir = tempDir();
    const store = await openHistory(configFor(reportsDir), { readOnly: true });
    assert.deepEqual(await store.list(), []);
    await store.close();
    assert.equal(existsSync(path.join(reportsDir, SQLITE_FILE)), false);
  });

  it('four processes appending at once all get their runs in, none twice', async () => {
    const reportsDir = tempDir();
    const script = path.join(import.meta.dirname, 'testing', 'append-runs.ts');
    const writers = [1, 2, 3, 4].map(
      (w) =>
        new Promise<void>((resolve, reject) => {
          const child = spawn(process.execPath, ['--import', 'tsx', script, reportsDir, String(w), '25'], { stdio: ['ignore', 'ignore', 'pipe'] });
          let stderr = '';
          child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
          const bound = setTimeout(() => child.kill('SIGKILL'), 60_000);
          child.once('error', reject);
          child.once('close', (code) => {
            clearTimeout(bound);
            if (code === 0) resolve();
            else reject(new Error(`writer ${w} exited ${code}: ${stderr}`));
          });
        }),
    );
    await Promise.all(writers);
    const store = await openHistory(configFor(reportsDir));
    try {
      const rows = await store.list();
      assert.equal(rows.length, 100);
      assert.equal(new Set(rows.map((r) => r.run_id)).size, 100);
    } finally {
      await store.close();
    }
  });

  it('a history that cannot be written costs the run one warning line, and nothing else', async () => {
    const parent = tempDir();
    // The reports folder is a file: neither the database nor the dashboard can be written.
    const reportsDir = path.join(parent, 'not-a-folder');
    writeFileSync(reportsDir, 'x');
    const warnings: string[] = [];
    const s = runSummary({ outcome: 'passed', startedAt: '2026-12-01T00:00:00.000Z', durationMs: 20_000 });
    const recorded = await recordRun(s, path.join(reportsDir, s.run_id), configFor(reportsDir), (l) => warnings.push(l));
    assert.deepEqual(recorded, { dashboard: null });
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0]!, new RegExp(`^history: run ${s.run_id} not recorded: could not open the run history in .*history\\.sqlite: `));
  });

  it('records the run and draws reports/index.html from the history', async () => {
    const reportsDir = tempDir();
    const warnings: string[] = [];
    const now = () => new Date('2026-12-01T12:00:00.000Z');
    for (const [i, outcome] of (['passed', 'failed'] as const).entries()) {
      const s = runSummary({ outcome, startedAt: new Date(Date.parse('2026-12-01T06:00:00.000Z') + i * 3_600_000), durationMs: 20_000 });
      const recorded = await recordRun(s, path.join(reportsDir, s.run_id), configFor(reportsDir), (l) => warnings.push(l), now);
      assert.equal(recorded.dashboard, path.join(reportsDir, 'index.html'));
    }
    assert.deepEqual(warnings, []);
    const store = await openHistory(configFor(reportsDir));
    try {
      assert.deepEqual(
        (await store.list()).map((e) => e.outcome),
        ['failed', 'passed'],
      );
    } finally {
      await store.close();
    }
  });
});
