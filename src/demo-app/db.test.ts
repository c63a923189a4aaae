import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Db, MIGRATIONS } from './db.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'demo-app-db-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const tables = (db: Db) => (db.sql.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);

/** An environment with one account that has a subscription, a checkout session and a processed, acknowledged event. */
function populate(db: Db, env: string, labels: Record<string, string> = {}) {
  db.createEnvironment(env, labels);
  const acct = db.createAccount({ id: `acct_${env}`, environment_id: env, email: `${env}@example.com`, name: null });
  db.setCustomer(acct.id, `cus_${env}`);
  db.upsertSubscription({ id: `sub_${env}`, account_id: acct.id, status: 'active', price_id: 'price_1', current_period_end: 2_000_000_000 });
  db.recordCheckoutSession(`cs_${env}`, acct.id, 'price_1');
  db.processEvent({ id: `evt_${env}`, type: 'customer.subscription.created' }, acct.id, () => undefined);
  db.acknowledgeEvent({ id: `evt_${env}`, type: 'customer.subscription.created' }, true);
  return acct;
}

const count = (db: Db, table: string, where = '1 = 1', ...args: unknown[]) =>
  (db.sql.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${where}`).get(...args) as { n: number }).n;

describe('migrations', () => {
  it('a new :memory: database gets every migration and the schema the app queries', () => {
    const db = new Db(':memory:');
    try {
      assert.equal(db.schemaVersion(), MIGRATIONS.length);
      assert.ok(MIGRATIONS.length >= 2);
      assert.deepEqual(tables(db), ['accounts', 'acknowledged_events', 'checkout_sessions', 'environments', 'processed_events', 'subscriptions']);
      assert.equal(db.sql.pragma('foreign_keys', { simple: true }), 1);
      db.ping();
    } finally {
      db.close();
    }
  });

  it('a file keeps its data across restarts and migrations are not applied twice', () => {
    const file = path.join(tmp, 'nested', 'dir', 'app.sqlite');
    const first = new Db(file);
    populate(first, 'env_file', { canary_run_id: 'r1' });
    first.close();
    const second = new Db(file);
    try {
      assert.equal(second.schemaVersion(), MIGRATIONS.length);
      assert.deepEqual(second.environment('env_file')?.labels, { canary_run_id: 'r1' });
      assert.equal(second.accounts('env_file').length, 1);
      assert.equal(second.subscriptions('acct_env_file')[0]?.status, 'active');
    } finally {
      second.close();
    }
  });

  it('a database made by an older version is migrated forward, keeping its rows', () => {
    const file = path.join(tmp, 'v1.sqlite');
    const old = new Database(file);
    old.exec(MIGRATIONS[0]!);
    old.pragma('user_version = 1');
    old.prepare('INSERT INTO environments (id, created, labels) VALUES (?, ?, ?)').run('env_old', 1, '{"a":"b"}');
    old.prepare('INSERT INTO accounts (id, environment_id, email, created) VALUES (?, ?, ?, ?)').run('acct_old', 'env_old', 'old@example.com', 1);
    old.close();

    const db = new Db(file);
    try {
      assert.equal(db.schemaVersion(), MIGRATIONS.length);
      assert.ok(tables(db).includes('checkout_sessions'), 'migration 2 ran');
      assert.ok(tables(db).includes('acknowledged_events'), 'migration 3 ran');
      assert.deepEqual(db.environment('env_old'), { id: 'env_old', created: 1, labels: { a: 'b' }, test_clock: null });
      db.recordCheckoutSession('cs_1', 'acct_old', 'price_1');
      assert.equal(count(db, 'checkout_sessions'), 1);
    } finally {
      db.close();
    }
  });

  it('a database from a newer version of the app is refused, not silently used', () => {
    const file = path.join(tmp, 'future.sqlite');
    const future = new Database(file);
    future.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    future.close();
    assert.throws(() => new Db(file), new RegExp(`schema version ${MIGRATIONS.length + 1}, newer than this app's ${MIGRATIONS.length}:`));
  });
});

describe('queries', () => {
  it('emails are unique per environment, not across environments', () => {
    const db = new Db(':memory:');
    try {
      db.createEnvironment('env_a', {});
      db.createEnvironment('env_b', {});
      db.createAccount({ id: 'acct_1', environment_id: 'env_a', email: 'same@example.com', name: null });
      assert.throws(
        () => db.createAccount({ id: 'acct_2', environment_id: 'env_a', email: 'same@example.com', name: null }),
        (err: Error & { code?: string }) => err.code === 'SQLITE_CONSTRAINT_UNIQUE',
      );
      db.createAccount({ id: 'acct_3', environment_id: 'env_b', email: 'same@example.com', name: 'B' });
      assert.equal(db.accountByEmail('env_a', 'same@example.com')?.id, 'acct_1');
      assert.equal(db.accountByEmail('env_b', 'same@example.com')?.id, 'acct_3');
      assert.equal(db.account('env_a', 'acct_3'), undefined, 'an account is found only in its own environment');
      assert.throws(() => db.createAccount({ id: 'acct_4', environment_id: 'env_missing', email: 'x@example.com', name: null }), /FOREIGN KEY/);
    } finally {
      db.close();
    }
  });

  it('deleting an environment removes its accounts, subscriptions, sessions and events, and nothing of another', () => {
    const db = new Db(':memory:');
    try {
      populate(db, 'env_gone');
      populate(db, 'env_kept');
      // Acknowledged without being linked to any account (ignore-upgrade): no environment owns it.
      db.acknowledgeEvent({ id: 'evt_unlinked', type: 'invoice.paid' }, false);
      assert.equal(db.deleteEnvironment('env_gone'), true);
      assert.equal(db.environment('env_gone'), undefined);
      assert.equal(count(db, 'accounts', 'environment_id = ?', 'env_gone'), 0);
      assert.equal(count(db, 'subscriptions', 'id = ?', 'sub_env_gone'), 0);
      assert.equal(count(db, 'checkout_sessions', 'id = ?', 'cs_env_gone'), 0);
      assert.equal(count(db, 'processed_events', 'id = ?', 'evt_env_gone'), 0);
      assert.equal(db.acknowledgedEvent('evt_env_gone'), undefined);
      assert.equal(db.accountByCustomer('cus_env_gone'), undefined);
      assert.equal(db.acknowledgedEvent('evt_unlinked')?.processed, false, 'an acknowledgement of no account stays');
      for (const [table, n] of [
        ['accounts', 1],
        ['subscriptions', 1],
        ['checkout_sessions', 1],
        ['processed_events', 1],
        ['acknowledged_events', 2],
        ['environments', 1],
      ] as const) {
        assert.equal(count(db, table), n, `${table} of env_kept`);
      }
      assert.equal(db.deleteEnvironment('env_gone'), false, 'a second delete finds nothing and is fine');
    } finally {
      db.close();
    }
  });

  it('processEvent stores an event once; a duplicate changes nothing; a failed change stores nothing', () => {
    const db = new Db(':memory:');
    try {
      let applied = 0;
      assert.equal(db.eventProcessed('evt_1'), false);
      assert.equal(
        db.processEvent({ id: 'evt_1', type: 'invoice.paid' }, null, () => applied++),
        true,
      );
      assert.equal(db.eventProcessed('evt_1'), true);
      assert.equal(
        db.processEvent({ id: 'evt_1', type: 'invoice.paid' }, null, () => applied++),
        false,
      );
      assert.equal(applied, 1);

      assert.throws(() =>
        db.processEvent({ id: 'evt_2', type: 'invoice.paid' }, null, () => {
          throw new Error('handler failed');
        }),
      );
      assert.equal(db.eventProcessed('evt_2'), false, 'the event is not stored, so the retry is processed');
      assert.equal(
        db.processEvent({ id: 'evt_2', type: 'invoice.paid' }, null, () => applied++),
        true,
      );
      assert.equal(applied, 2);
    } finally {
      db.close();
    }
  });

  it('acknowledgeEvent keeps the first time, and once processed an event stays processed', () => {
    const db = new Db(':memory:');
    try {
      assert.equal(db.acknowledgedEvent('evt_ack'), undefined);
      const before = Math.floor(Date.now() / 1000);
      db.acknowledgeEvent({ id: 'evt_ack', type: 'checkout.session.completed' }, false);
      const first = db.acknowledgedEvent('evt_ack')!;
      assert.equal(first.id, 'evt_ack');
      assert.equal(first.type, 'checkout.session.completed');
      assert.equal(first.processed, false);
      assert.ok(first.acknowledged_at >= before && first.acknowledged_at <= Math.floor(Date.now() / 1000), `acknowledged_at ${first.acknowledged_at}`);
      // The row's time is set back so that a rewrite of it would show.
      db.sql.prepare('UPDATE acknowledged_events SET acknowledged_at = 1000 WHERE id = ?').run('evt_ack');

      db.acknowledgeEvent({ id: 'evt_ack', type: 'checkout.session.completed' }, true);
      assert.deepEqual(db.acknowledgedEvent('evt_ack'), { id: 'evt_ack', type: 'checkout.session.completed', acknowledged_at: 1000, processed: true });
      db.acknowledgeEvent({ id: 'evt_ack', type: 'checkout.session.completed' }, false);
      assert.deepEqual(
        db.acknowledgedEvent('evt_ack'),
        { id: 'evt_ack', type: 'checkout.session.completed', acknowledged_at: 1000, processed: true },
        'a later unprocessed duplicate does not undo it',
      );
      assert.equal(count(db, 'acknowledged_events'), 1);
    } finally {
      db.close();
    }
  });

  it('a subscription follows its updates but an ended one never becomes active again', () => {
    const db = new Db(':memory:');
    try {
      const acct = populate(db, 'env_sub');
      db.upsertSubscription({ id: 'sub_env_sub', account_id: acct.id, status: 'past_due', price_id: 'price_2', current_period_end: 3 });
      assert.deepEqual((({ status, price_id, current_period_end }) => ({ status, price_id, current_period_end }))(db.subscriptions(acct.id)[0]!), {
        status: 'past_due',
        price_id: 'price_2',
        current_period_end: 3,
      });
      db.upsertSubscription({ id: 'sub_env_sub', account_id: acct.id, status: 'canceled', price_id: 'price_2', current_period_end: 3 });
      // A handler that read the subscription before it was canceled writes last.
      db.upsertSubscription({ id: 'sub_env_sub', account_id: acct.id, status: 'active', price_id: 'price_2', current_period_end: 3 });
      assert.equal(db.subscriptions(acct.id)[0]!.status, 'canceled');
      assert.equal(db.subscriptions(acct.id).length, 1);
    } finally {
      db.close();
    }
  });
});
