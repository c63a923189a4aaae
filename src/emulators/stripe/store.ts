/**
 * The emulator's state: every object by id, in creation order per type, plus the deleted stubs,
 * webhook secrets and idempotency records. Objects are kept in their API shape; responses are
 * deep copies, so nothing a caller does to a response can change the state.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';

export type StripeObject = Record<string, any>;

export interface IdempotencyRecord {
  method: string;
  path: string;
  fingerprint: string;
  status: number;
  body: unknown;
  createdAt: number; // wall-clock ms
}

interface Snapshot {
  format: 'checkout-canary-stripe-emulator/1';
  clockOffsetMs: number;
  objects: StripeObject[];
  deleted: StripeObject[];
  secrets: [string, string][];
  cardNumbers: [string, string][];
  sessionItems: [string, StripeObject[]][];
  sessionOptions: [string, StripeObject][];
  /** Absent in data files written before it existed. */
  extras?: [string, StripeObject][];
  idempotency: [string, IdempotencyRecord][];
}

/** Idempotency keys are kept 24 hours, as Stripe documents. */
const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export class Store {
  private objects = new Map<string, StripeObject>();
  private order = new Map<string, string[]>();
  private deleted = new Map<string, StripeObject>();
  readonly secrets = new Map<string, string>();
  /** Card numbers behind payment methods (test data only), to decide how a charge ends. */
  readonly cardNumbers = new Map<string, string>();
  readonly idempotency = new Map<string, IdempotencyRecord>();
  /** A checkout session's line items (served by /line_items and the `line_items` includable). */
  readonly sessionItems = new Map<string, StripeObject[]>();
  /** What a checkout session passes on to what its payment creates (subscription_data, …). */
  readonly sessionOptions = new Map<string, StripeObject>();
  /**
   * Fields of an object that Stripe returns only when expanded (a coupon's `applies_to` and
   * `currency_options`), by object id: kept out of the object so that responses omit them.
   */
  readonly extras = new Map<string, StripeObject>();
  clockOffsetMs = 0;

  insert<T extends StripeObject>(obj: T): T {
    this.objects.set(obj.id, obj);
    const ids = this.order.get(obj.object) ?? [];
    ids.push(obj.id);
    this.order.set(obj.object, ids);
    return obj;
  }

  get(id: string): StripeObject | undefined {
    return this.objects.get(id);
  }

  /** The object of that type, or undefined (an id of another type does not match). */
  find(type: string, id: string): StripeObject | undefined {
    const obj = this.objects.get(id);
    return obj && obj.object === type ? obj : undefined;
  }

  deletedStub(id: string): StripeObject | undefined {
    return this.deleted.get(id);
  }

  /** Removes the object; retrieving its id afterwards answers the deleted stub. */
  remove(id: string): StripeObject {
    const obj = this.objects.get(id);
    if (!obj) throw new Error(`store: no object ${id}`);
    this.objects.delete(id);
    const ids = this.order.get(obj.object);
    if (ids) ids.splice(ids.indexOf(id), 1);
    const stub = { id, object: obj.object, deleted: true };
    this.deleted.set(id, stub);
    return stub;
  }

  /** All live objects of a type, oldest first. */
  all(type: string): StripeObject[] {
    return (this.order.get(type) ?? []).map((id) => this.objects.get(id)!);
  }

  count(type: string): number {
    return this.order.get(type)?.length ?? 0;
  }

  /** The record kept for an idempotency key, unless it is older than 24 hours (then it is forgotten). */
  idempotencyRecord(key: string, nowMs = Date.now()): IdempotencyRecord | undefined {
    const rec = this.idempotency.get(key);
    if (rec && nowMs - rec.createdAt > IDEMPOTENCY_TTL_MS) {
      this.idempotency.delete(key);
      return undefined;
    }
    return rec;
  }

  pruneIdempotency(nowMs = Date.now()): void {
    for (const [key, rec] of this.idempotency) {
      if (nowMs - rec.createdAt > IDEMPOTENCY_TTL_MS) this.idempotency.delete(key);
    }
  }

  clear(): void {
    this.objects.clear();
    this.order.clear();
    this.deleted.clear();
    this.secrets.clear();
    this.cardNumbers.clear();
    this.sessionItems.clear();
    this.sessionOptions.clear();
    this.extras.clear();
    this.idempotency.clear();
    this.clockOffsetMs = 0;
  }

  serialize(): string {
    const objects: StripeObject[] = [];
    for (const ids of this.order.values()) for (const id of ids) objects.push(this.objects.get(id)!);
    const snapshot: Snapshot = {
      format: 'checkout-canary-stripe-emulator/1',
      clockOffsetMs: this.clockOffsetMs,
      objects,
      deleted: [...this.deleted.values()],
      secrets: [...this.secrets],
      cardNumbers: [...this.cardNumbers],
      sessionItems: [...this.sessionItems],
      sessionOptions: [...this.sessionOptions],
      extras: [...this.extras],
      idempotency: [...this.idempotency],
    };
    return JSON.stringify(snapshot);
  }

  load(text: string, source: string): void {
    let snapshot: Snapshot;
    try {
      snapshot = JSON.parse(text);
    } catch (err) {
      throw new Error(`${source} is not a Stripe emulator data file (invalid JSON: ${(err as Error).message})`);
    }
    if (snapshot?.format !== 'checkout-canary-stripe-emulator/1') {
      throw new Error(`${source} is not a Stripe emulator data file (unknown format)`);
    }
    // A damaged file must not half-load or fail with a bare TypeError: check every part first.
    const isObj = (v: unknown): v is StripeObject => v !== null && typeof v === 'object' && !Array.isArray(v);
    const isPair = (v: unknown): v is [string, unknown] => Array.isArray(v) && v.length === 2 && typeof v[0] === 'string';
    const bad = (what: string) => new Error(`${source} is a damaged Stripe emulator data file (${what})`);
    if (!Array.isArray(snapshot.objects) || !snapshot.objects.every((o) => isObj(o) && typeof o.id === 'string' && typeof o.object === 'string')) {
      throw bad('objects must be a list of objects with id and object');
    }
    if (!Array.isArray(snapshot.deleted) || !snapshot.deleted.every((o) => isObj(o) && typeof o.id === 'string')) {
      throw bad('deleted must be a list of objects with id');
    }
    for (const key of ['secrets', 'cardNumbers', 'sessionItems', 'sessionOptions', 'idempotency'] as const) {
      const pairs: unknown = snapshot[key];
      if (!Array.isArray(pairs) || !pairs.every(isPair)) throw bad(`${key} must be a list of [key, value] pairs`);
    }
    if (snapshot.extras !== undefined && (!Array.isArray(snapshot.extras) || !snapshot.extras.every(isPair))) {
      throw bad('extras must be a list of [key, value] pairs');
    }
    if (typeof snapshot.clockOffsetMs !== 'number' || !Number.isFinite(snapshot.clockOffsetMs)) throw bad('clockOffsetMs must be a number');
    this.clear();
    for (const obj of snapshot.objects) this.insert(obj);
    for (const stub of snapshot.deleted) this.deleted.set(stub.id, stub);
    for (const [k, v] of snapshot.secrets) this.secrets.set(k, v);
    for (const [k, v] of snapshot.cardNumbers) this.cardNumbers.set(k, v);
    for (const [k, v] of snapshot.sessionItems) this.sessionItems.set(k, v);
    for (const [k, v] of snapshot.sessionOptions) this.sessionOptions.set(k, v);
    for (const [k, v] of snapshot.extras ?? []) this.extras.set(k, v);
    for (const [k, v] of snapshot.idempotency) this.idempotency.set(k, v);
    this.clockOffsetMs = snapshot.clockOffsetMs;
  }
}

/**
 * Writes the store to a file after changes, atomically (temp file + rename). Concurrent
 * requests share one write ("group commit"): a request is answered only once a write that
 * started after its change has finished, so an acknowledged change survives a restart.
 */
export class Persister {
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;

  constructor(
    private readonly file: string | undefined,
    private readonly store: Store,
  ) {}

  static loadInto(store: Store, file: string | undefined): void {
    if (file && existsSync(file)) store.load(readFileSync(file, 'utf8'), file);
  }

  flush(): Promise<void> {
    if (!this.file) return Promise.resolve();
    if (this.queued) return this.queued;
    if (this.running) {
      // The next write follows the running one whether that succeeded or failed: a failed write
      // (disk full, directory missing) must not leave a rejected `queued` that every later
      // flush() returns, which would stop persistence for good.
      const next = () => {
        this.queued = null;
        return this.write();
      };
      this.queued = this.running.then(next, next);
      return this.queued;
    }
    return this.write();
  }

  private write(): Promise<void> {
    const file = this.file!;
    const data = this.store.serialize();
    const tmp = `${file}.${process.pid}.tmp`;
    this.running = (async () => {
      await mkdir(path.dirname(path.resolve(file)), { recursive: true });
      await writeFile(tmp, data);
      await rename(tmp, file);
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }
}
