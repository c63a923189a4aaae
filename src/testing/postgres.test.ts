/**
 * The throwaway PostgreSQL server the coordinator's tests use: it starts, answers a query as the
 * `canary` user in its own database, and once stopped its port is closed and its folder gone.
 * Where the server is not installed, it fails saying how to install it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startPostgres } from './postgres.ts';

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

test('startPostgres starts a server that answers, and stop() closes its port', async () => {
  const lines: string[] = [];
  const server = await startPostgres({ log: (l) => lines.push(l) });
  const port = Number(new URL(server.url).port);
  const dataDir = lines.map((l) => /^postgres: initdb (\S+)/.exec(l)?.[1]).find(Boolean);
  try {
    assert.ok(dataDir && existsSync(dataDir), lines.join('; '));
    assert.match(server.url, /^postgres:\/\/canary@127\.0\.0\.1:\d+\/canary$/);
    const client = new pg.Client({ connectionString: server.url, connectionTimeoutMillis: 5_000 });
    await client.connect();
    try {
      const r = await client.query('select 1 as one, current_user as who, current_database() as db');
      assert.deepEqual(r.rows, [{ one: 1, who: 'canary', db: 'canary' }]);
    } finally {
      await client.end();
    }
    assert.ok(await portOpen(port));
  } finally {
    await server.stop();
  }
  assert.equal(await portOpen(port), false, `port ${port} still open after stop(); ${lines.join('; ')}`);
  assert.equal(existsSync(path.dirname(dataDir!)), false, 'its temporary folder is removed');
});

test('without the server binaries, startPostgres fails saying how to install PostgreSQL', async () => {
  const empty = mkdtempSync(path.join(os.tmpdir(), 'canary-no-pg-'));
  try {
    await assert.rejects(startPostgres({ binDirs: [empty] }), /^Error: PostgreSQL's server \(initdb and postgres\) was not found .*apt-get install postgresql/);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});
