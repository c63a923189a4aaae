/**
 * The app's database (SQLite through better-sqlite3): schema by numbered migrations, and the
 * queries the app runs. `:memory:` for tests, a file when deployed.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Clock } from './clock.ts';

export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE environments (
     id TEXT PRIMARY KEY,
     created INTEGER NOT NULL,
     labels TEXT NOT NULL DEFAULT '{}'
   );
   CREATE TABLE accounts (
     id TEXT PRIMARY KEY,
     environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
     email TEXT NOT NULL,
     name TEXT,
     stripe_customer_id TEXT UNIQUE,
     created INTEGER NOT NULL,
     UNIQUE (environment_id, email)
   );
   CREATE TABLE subscriptions (
     id TEXT PRIMARY KEY,
     account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
     status TEXT NOT NULL,
     price_id TEXT,
     current_period_end INTEGER,
     updated INTEGER NOT NULL
   );
   CREATE TABLE processed_events (
     id TEXT PRIMARY KEY,
     type TEXT NOT NULL,
     account_id TEXT,
     received INTEGER NOT NULL
   );`,
  `CREATE TABLE checkout_sessions (
     id TEXT PRIMARY KEY,
     account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
     price_id TEXT NOT NULL,
     created INTEGER NOT NULL
   );
   CREATE INDEX accounts_environment ON accounts(environment_id);
   CREATE INDEX subscriptions_account ON subscriptions(account_id);`,
  // Every verified event the webhook handler answered 2xx, processed or not (the ignore-upgrade
  // fault acknowledges without acting): what the admin API tells a monitor about deliveries.
  `CREATE TABLE acknowledged_events (
     id TEXT PRIMARY KEY,
     type TEXT NOT NULL,
     acknowledged_at INTEGER NOT NULL,
     processed INTEGER NOT NULL CHECK (processed IN (0, 1))
   );`,
  // A test-only setting: the Stripe test clock the environment's customers are created on (the
  // renewal and portal specs move time); and when a subscription set to cancel ends.
  `ALTER TABLE environments ADD COLUMN test_clock TEXT;
   ALTER TABLE subscriptions ADD COLUMN cancel_at INTEGER;`,
];

export interface EnvironmentRow {
  id: string;
  created: number;
  labels: Record<string, string>;
  /** The Stripe test clock its customers are created on (test mode only), or null. */
  test_clock: string | null;
}

export interface AccountRow {
  id: string;
  environment_id: string;
  email: string;
  name: string | null;
  stripe_customer_id: string | null;
  created: number;
}

export interface SubscriptionRow {
  id: string;
  account_id: string;
  status: string;
  price_id: string | null;
  current_period_end: number | null;
  /** When a subscription set to cancel (at period end, or at a date) ends; null when it renews. */
  cancel_at: number | null;
  updated: number;
}

export interface AcknowledgedEvent {
  id: string;
  type: string;
  /** When the handler first acknowledged it (unix seconds). */
  acknowledged_at: number;
  /** Whether the handler acted on it (a duplicate of a processed event counts); false under ignore-upgrade. */
  processed: boolean;
}

type RawEnvironment = Omit<EnvironmentRow, 'labels'> & { labels: string };
const environmentRow = (r: RawEnvironment): EnvironmentRow => ({ ...r, labels: JSON.parse(r.labels), test_clock: r.test_clock ?? null });

export class Db {
  readonly sql: Database.Database;

  /** `clock` dates every row the app records (`created`, `received`, …): the app's clock, which tests move. */
  constructor(
    file: string,
    private readonly clock: Pick<Clock, 'now'> = new Clock(),
  ) {
    if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    this.sql = new Database(file);
    this.sql.pragma('journal_mode = WAL');
    this.sql.pragma('foreign_keys = ON');
    this.sql.pragma('busy_timeout = 5000');
    this.migrate();
  }

  /** Applies the migrations not yet applied, each in its own transaction. */
  private migrate(): void {
    const version = this.sql.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) {
      this.sql.close();
      throw new Error(`The database is at schema version ${version}, newer than this app's ${MIGRATIONS.length}: run a newer version of the app.`);
    }
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.sql.transaction(() => {
        this.sql.exec(MIGRATIONS[v]!);
        this.sql.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  schemaVersion(): number {
    return this.sql.pragma('user_version', { simple: true }) as number;
  }

  ping(): void {
    this.sql.prepare('SELECT 1').get();
  }

  close(): void {
    this.sql.close();
  }

  createEnvironment(id: string, labels: Record<string, string>): EnvironmentRow {
    const created = this.clock.now();
    this.sql.prepare('INSERT INTO environments (id, created, labels) VALUES (?, ?, ?)').run(id, created, JSON.stringify(labels));
    return { id, created, labels, test_clock: null };
  }

  environments(): EnvironmentRow[] {
    return (this.sql.prepare('SELECT * FROM environments ORDER BY created, rowid').all() as RawEnvironment[]).map(environmentRow);
  }

  /** Sets (or, with null, clears) the test clock of the environment's future customers; undefined when there is no such environment. */
  setTestClock(id: string, clock: string | null): EnvironmentRow | undefined {
    if (this.sql.prepare('UPDATE environments SET test_clock = ? WHERE id = ?').run(clock, id).changes === 0) return undefined;
    return this.environment(id);
  }

  /**
   * Replaces the environment's labels with `update(current)`, in one transaction (a concurrent
   * change cannot be lost between the read and the write); undefined when there is no such
   * environment. `update` may throw to refuse the change, which then changes nothing.
   */
  updateLabels(id: string, update: (labels: Record<string, string>) => Record<string, string>): EnvironmentRow | undefined {
    return this.sql
      .transaction(() => {
        const env = this.environment(id);
        if (!env) return undefined;
        const labels = update(env.labels);
        this.sql.prepare('UPDATE environments SET labels = ? WHERE id = ?').run(JSON.stringify(labels), id);
        return { ...env, labels };
      })
      .immediate();
  }

  environment(id: string): EnvironmentRow | undefined {
    const r = this.sql.prepare('SELECT * FROM environments WHERE id = ?').get(id) as RawEnvironment | undefined;
    return r && environmentRow(r);
  }

  /** Deletes the environment and everything in it; true when it existed. */
  deleteEnvironment(id: string): boolean {
    return this.sql.transaction(() => {
      // Acknowledgements go with the events the app linked to the environment's accounts; those it
      // never linked to an account (not handled, or acknowledged unprocessed) stay.
      this.sql
        .prepare(
          `DELETE FROM acknowledged_events WHERE id IN
             (SELECT id FROM processed_events WHERE account_id IN (SELECT id FROM accounts WHERE environment_id = ?))`,
        )
        .run(id);
      this.sql.prepare('DELETE FROM processed_events WHERE account_id IN (SELECT id FROM accounts WHERE environment_id = ?)').run(id);
      return this.sql.prepare('DELETE FROM environments WHERE id = ?').run(id).changes > 0;
    })();
  }

  createAccount(row: Omit<AccountRow, 'created' | 'stripe_customer_id'>): AccountRow {
    const created = this.clock.now();
    this.sql
      .prepare('INSERT INTO accounts (id, environment_id, email, name, created) VALUES (?, ?, ?, ?, ?)')
      .run(row.id, row.environment_id, row.email, row.name, created);
    return { ...row, stripe_customer_id: null, created };
  }

  setCustomer(accountId: string, customerId: string): void {
    this.sql.prepare('UPDATE accounts SET stripe_customer_id = ? WHERE id = ?').run(customerId, accountId);
  }

  deleteAccount(id: string): void {
    this.sql.prepare('DELETE FROM accounts WHERE id = ?').run(id);
  }

  account(environmentId: string, accountId: string): AccountRow | undefined {
    return this.sql.prepare('SELECT * FROM accounts WHERE id = ? AND environment_id = ?').get(accountId, environmentId) as AccountRow | undefined;
  }

  accountByEmail(environmentId: string, email: string): AccountRow | undefined {
    return this.sql.prepare('SELECT * FROM accounts WHERE environment_id = ? AND email = ?').get(environmentId, email) as AccountRow | undefined;
  }

  accountByCustomer(customerId: string): AccountRow | undefined {
    return this.sql.prepare('SELECT * FROM accounts WHERE stripe_customer_id = ?').get(customerId) as AccountRow | undefined;
  }

  accounts(environmentId: string): AccountRow[] {
    return this.sql.prepare('SELECT * FROM accounts WHERE environment_id = ? ORDER BY created, rowid').all(environmentId) as AccountRow[];
  }

  subscriptions(accountId: string): SubscriptionRow[] {
    return this.sql.prepare('SELECT * FROM subscriptions WHERE account_id = ? ORDER BY updated DESC').all(accountId) as SubscriptionRow[];
  }

  recordCheckoutSession(id: string, accountId: string, priceId: string): void {
    this.sql
      .prepare('INSERT OR IGNORE INTO checkout_sessions (id, account_id, price_id, created) VALUES (?, ?, ?, ?)')
      .run(id, accountId, priceId, this.clock.now());
  }

  /** True when an event with this id was already stored. */
  eventProcessed(id: string): boolean {
    return this.sql.prepare('SELECT 1 FROM processed_events WHERE id = ?').get(id) !== undefined;
  }

  /**
   * Stores the event by id, then applies `change`, in one transaction: a duplicate delivery
   * (an id already stored) changes nothing and answers false.
   */
  processEvent(event: { id: string; type: string }, accountId: string | null, change: () => void): boolean {
    return this.sql.transaction(() => {
      const inserted = this.sql
        .prepare('INSERT OR IGNORE INTO processed_events (id, type, account_id, received) VALUES (?, ?, ?, ?)')
        .run(event.id, event.type, accountId, this.clock.now()).changes;
      if (inserted === 0) return false;
      change();
      return true;
    })();
  }

  /**
   * Records that the handler acknowledged `event`. The first acknowledgement's time is kept; once
   * processed, an event stays processed (a later unprocessed duplicate does not undo it).
   */
  acknowledgeEvent(event: { id: string; type: string }, processed: boolean): void {
    this.sql
      .prepare(
        `INSERT INTO acknowledged_events (id, type, acknowledged_at, processed) VALUES (?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET processed = max(processed, excluded.processed)`,
      )
      .run(event.id, event.type, this.clock.now(), processed ? 1 : 0);
  }

  acknowledgedEvent(id: string): AcknowledgedEvent | undefined {
    const r = this.sql.prepare('SELECT id, type, acknowledged_at, processed FROM acknowledged_events WHERE id = ?').get(id) as
      | (Omit<AcknowledgedEvent, 'processed'> & { processed: number })
      | undefined;
    return r && { ...r, processed: r.processed === 1 };
  }

  /**
   * Inserts or updates a subscription. An ended one (canceled, incomplete_expired) never comes
   * back: Stripe's statuses do not leave those, so a slower handler that read the subscription
   * before it was canceled cannot make the account Pro again.
   */
  upsertSubscription(row: Omit<SubscriptionRow, 'updated' | 'cancel_at'> & { cancel_at?: number | null }): void {
    this.sql
      .prepare(
        `INSERT INTO subscriptions (id, account_id, status, price_id, current_period_end, cancel_at, updated)
           VALUES (@id, @account_id, @status, @price_id, @current_period_end, @cancel_at, @updated)
         ON CONFLICT(id) DO UPDATE SET status = excluded.status, price_id = excluded.price_id, current_period_end = excluded.current_period_end,
           cancel_at = excluded.cancel_at, updated = excluded.updated
         WHERE subscriptions.status NOT IN ('canceled', 'incomplete_expired')`,
      )
      .run({ ...row, cancel_at: row.cancel_at ?? null, updated: this.clock.now() });
  }
}
