// Webhook delivery engine of the Stripe emulator: signs events like Stripe does, POSTs them to
// endpoints, retries failures with backoff, and can inject the delivery faults real Stripe exhibits
// (duplicates, reordering, lost attempts) so integrations can be tested against them.
import { createHmac } from 'node:crypto';
import pLimit from 'p-limit';
import type { LimitFunction } from 'p-limit';

/** A webhook endpoint (`we_…`). */
export interface WebhookTarget {
  id: string;
  url: string;
  secret: string;
}

/** Fault injection settings; rates are fractions 0..1. */
export interface WebhookFaults {
  duplicate_rate: number;
  reorder: boolean;
  drop_rate: number;
  /** The first this many attempts of every delivery fail (not sent), so only Stripe's retries get through. */
  fail_first: number;
}

export interface DeliveryRecord {
  event_id: string;
  endpoint_id: string;
  url: string;
  /** 1-based; an injected duplicate carries the number of the attempt it copies. */
  attempt: number;
  /** HTTP status, null when no answer. */
  status: number | null;
  /** 'timeout' | 'dropped' (fault injection) | connection error message | null */
  error: string | null;
  /** true for an injected extra copy */
  duplicate: boolean;
  /** unix seconds (wall clock) when the attempt started */
  time: number;
  duration_ms: number;
}

export interface DispatcherOptions {
  /** Delays before attempt 2, 3, …; default [250, 1000, 4000] (4 attempts in all). */
  retryDelaysMs?: number[];
  /** Per attempt, covering connect + response headers; default 5000. */
  timeoutMs?: number;
  /** Simultaneous HTTP deliveries; default 16. */
  concurrency?: number;
  /** Injectable for tests; default Math.random. */
  random?: () => number;
  /** Wall clock in ms for signature timestamps and record times; default Date.now (tests can skew it). */
  now?: () => number;
  /** How long enqueue calls are gathered into one batch to shuffle when `reorder` is on; default 5 ms. */
  reorderWindowMs?: number;
  /** Delivery records kept (oldest dropped first); default 10,000. */
  maxLogRecords?: number;
  /** Called once per (event, endpoint) on the first 2xx. */
  onAcknowledged: (eventId: string, endpointId: string) => void;
}

export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [250, 1000, 4000];
export const DEFAULT_TIMEOUT_MS = 5000;
export const DEFAULT_CONCURRENCY = 16;
export const DEFAULT_REORDER_WINDOW_MS = 5;
export const DEFAULT_MAX_LOG_RECORDS = 10_000;

const USER_AGENT = 'Stripe/1.0 (+https://stripe.com/docs/webhooks)';
const NO_FAULTS: WebhookFaults = { duplicate_rate: 0, reorder: false, drop_rate: 0, fail_first: 0 };
// Acknowledged (event, endpoint) keys are remembered so a re-enqueued event is not acknowledged
// twice; bounded like the log so a long-running emulator does not grow without limit.
const MAX_ACK_KEYS = 100_000;

/**
 * `Stripe-Signature` header value: `t=<t>,v1=<hex HMAC-SHA256 over "<t>.<payload>">`.
 * The whole `whsec_…` string is the HMAC key, as stripe-node's verifier uses it.
 */
export function signatureHeader(payload: string, secret: string, timestampSeconds: number): string {
  const v1 = createHmac('sha256', secret).update(`${timestampSeconds}.${payload}`, 'utf8').digest('hex');
  return `t=${timestampSeconds},v1=${v1}`;
}

/** One (event, endpoint) delivery, alive until acknowledged, given up or cancelled. */
interface Job {
  eventId: string;
  payload: string;
  target: WebhookTarget;
  attempt: number;
}

interface AttemptResult {
  status: number | null;
  error: string | null;
}

interface LoggedRecord extends DeliveryRecord {
  seq: number;
}

/**
 * Delivers events to webhook endpoints, one independent delivery per (event, endpoint).
 *
 * Faults (setFaults), for exercising integrations the way real Stripe can:
 * - drop_rate: that fraction of attempts is not sent at all (recorded with error 'dropped') and
 *   counts as a failed attempt, so it is retried per the schedule.
 * - fail_first: the first N attempts of every delivery fail the same way, so each event reaches
 *   the endpoint only on Stripe's retries (N must stay below the number of attempts).
 * - duplicate_rate: that fraction of sent attempts, answered or not, is followed by one replay of the
 *   same request (same body and signature; recorded with duplicate: true). Replays only add noise:
 *   they never acknowledge, retry or count as attempts.
 * - reorder: enqueue calls are gathered for reorderWindowMs (default 5 ms, measured from the first
 *   call of a batch) and then started in a shuffled order that is never the creation order when the
 *   batch holds two or more events. With concurrency > 1 requests overlap, so arrival order is
 *   additionally up to the network.
 */
export class WebhookDispatcher {
  private readonly retryDelaysMs: readonly number[];
  private readonly timeoutMs: number;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly reorderWindowMs: number;
  private readonly maxLogRecords: number;
  private readonly onAcknowledged: (eventId: string, endpointId: string) => void;
  private readonly limit: LimitFunction;

  private faults: WebhookFaults = { ...NO_FAULTS };
  private log: LoggedRecord[] = [];
  private seq = 0;
  private acknowledged = new Set<string>();
  /** Jobs + injected duplicates not finished yet (queued, in flight, waiting for a retry, buffered). */
  private busy = 0;
  private idleWaiters: Array<() => void> = [];
  /** Ref'd handle held only while idle() has waiters. */
  private keepAlive: NodeJS.Timeout | null = null;
  private timers = new Set<NodeJS.Timeout>();
  private inFlight = new Set<Promise<unknown>>();
  /** Controllers of in-flight requests, aborted by reset()/close(). */
  private requests = new Set<AbortController>();
  /** Bumped by reset()/close(); work started under an older generation stops touching state. */
  private generation = 0;
  private closed = false;
  private reorderBatch: Job[][] = [];
  private reorderTimer: NodeJS.Timeout | null = null;

  constructor(options: DispatcherOptions) {
    const delays = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    delays.forEach((d, i) => {
      if (!Number.isFinite(d) || d < 0) throw new RangeError(`retryDelaysMs[${i}] must be a non-negative number, got ${d}`);
    });
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new RangeError(`timeoutMs must be a positive number, got ${timeoutMs}`);
    const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be an integer >= 1, got ${concurrency}`);
    const reorderWindowMs = options.reorderWindowMs ?? DEFAULT_REORDER_WINDOW_MS;
    if (!Number.isFinite(reorderWindowMs) || reorderWindowMs < 0) throw new RangeError(`reorderWindowMs must be a non-negative number, got ${reorderWindowMs}`);
    const maxLogRecords = options.maxLogRecords ?? DEFAULT_MAX_LOG_RECORDS;
    if (!Number.isInteger(maxLogRecords) || maxLogRecords < 1) throw new RangeError(`maxLogRecords must be an integer >= 1, got ${maxLogRecords}`);
    if (typeof options.onAcknowledged !== 'function') throw new TypeError('onAcknowledged must be a function');

    this.retryDelaysMs = [...delays];
    this.timeoutMs = timeoutMs;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.reorderWindowMs = reorderWindowMs;
    this.maxLogRecords = maxLogRecords;
    this.onAcknowledged = options.onAcknowledged;
    this.limit = pLimit(concurrency);
  }

  enqueue(eventId: string, payload: string, targets: WebhookTarget[]): void {
    if (this.closed || targets.length === 0) return;
    const jobs = targets.map((target) => ({ eventId, payload, target: { ...target }, attempt: 1 }));
    this.busy += jobs.length;
    if (this.faults.reorder) {
      this.reorderBatch.push(jobs);
      // The window opens with the first event of a batch and is not extended by later ones, so
      // reordering delays a delivery by at most reorderWindowMs.
      if (!this.reorderTimer) {
        this.reorderTimer = setTimeout(() => this.flushReorderBatch(), this.reorderWindowMs);
        this.reorderTimer.unref();
      }
    } else {
      for (const job of jobs) this.startAttempt(job);
    }
  }

  setFaults(faults: Partial<WebhookFaults>): void {
    if (typeof faults !== 'object' || faults === null) throw new RangeError('faults must be an object');
    // Validate everything before applying anything, so a bad call leaves the faults unchanged.
    for (const key of Object.keys(faults)) {
      if (!(key in NO_FAULTS)) throw new RangeError(`unknown fault '${key}' (expected duplicate_rate, reorder, drop_rate, fail_first)`);
    }
    for (const key of ['duplicate_rate', 'drop_rate'] as const) {
      const value = faults[key];
      if (value === undefined) continue;
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
        throw new RangeError(`${key} must be a number between 0 and 1, got ${String(value)}`);
      }
    }
    if (faults.fail_first !== undefined && !(Number.isInteger(faults.fail_first) && faults.fail_first >= 0)) {
      throw new RangeError(`fail_first must be a whole number, got ${String(faults.fail_first)}`);
    }
    if (faults.reorder !== undefined && typeof faults.reorder !== 'boolean') {
      throw new RangeError(`reorder must be a boolean, got ${String(faults.reorder)}`);
    }
    this.faults = { ...this.faults, ...faults };
  }

  /** Current fault settings (a copy). */
  getFaults(): WebhookFaults {
    return { ...this.faults };
  }

  clearFaults(): void {
    // A batch already gathered for reordering still goes out, shuffled, when its window ends.
    this.faults = { ...NO_FAULTS };
  }

  /** Finished attempts (in-flight ones appear once they end), in the order the attempts started. */
  deliveries(filter: { eventId?: string; endpointId?: string } = {}): DeliveryRecord[] {
    return this.log
      .slice(-this.maxLogRecords)
      .filter(
        (r) => (filter.eventId === undefined || r.event_id === filter.eventId) && (filter.endpointId === undefined || r.endpoint_id === filter.endpointId),
      )
      .sort((a, b) => a.seq - b.seq)
      .map(({ seq: _seq, ...record }) => record);
  }

  /**
   * Resolves when nothing is queued, in flight or waiting for a retry. While someone waits here the
   * process is kept alive (the retry timers themselves are unref'd), so `await idle()` in a script
   * does not end with the event loop drained and the promise never settled.
   */
  idle(): Promise<void> {
    if (this.busy === 0) return Promise.resolve();
    if (!this.keepAlive) this.keepAlive = setInterval(() => {}, 1 << 30);
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  reset(): void {
    this.cancelAll();
    this.log = [];
    this.acknowledged.clear();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.cancelAll();
    // Let aborted requests settle so no work of this dispatcher outlives close().
    await Promise.allSettled([...this.inFlight]);
  }

  private cancelAll(): void {
    this.generation++;
    for (const controller of this.requests) controller.abort();
    this.requests.clear();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    if (this.reorderTimer) clearTimeout(this.reorderTimer);
    this.reorderTimer = null;
    this.reorderBatch = [];
    // Not limit.clearQueue(): cleared tasks would never settle and close() waits for them. Queued
    // tasks of the old generation instead run and return at once.
    this.busy = 0;
    this.notifyIdle();
  }

  private flushReorderBatch(): void {
    this.reorderTimer = null;
    const batch = this.reorderBatch;
    this.reorderBatch = [];
    // Shuffle whole enqueue calls (events), so every endpoint sees the same non-creation order.
    const order = batch.map((_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.min(i, Math.floor(this.random() * (i + 1)));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    // A shuffle can land on the creation order; rotate then so reorder is never a no-op.
    if (order.length > 1 && order.every((n, i) => n === i)) order.push(order.shift()!);
    for (const n of order) for (const job of batch[n]!) this.startAttempt(job);
  }

  private startAttempt(job: Job): void {
    const generation = this.generation;
    const work = this.limit(() => this.runAttempt(job, generation));
    this.track(work);
  }

  private async runAttempt(job: Job, generation: number): Promise<void> {
    if (generation !== this.generation) return;
    const failed = job.attempt <= this.faults.fail_first;
    const dropped = failed || (this.faults.drop_rate > 0 && this.random() < this.faults.drop_rate);
    const time = Math.floor(this.now() / 1000);
    const seq = this.seq++;
    const started = performance.now();
    let result: AttemptResult;
    let header: string | null = null;
    if (dropped) {
      result = { status: null, error: failed ? 'failed on purpose (fail_first)' : 'dropped' };
    } else {
      // Signed per attempt with the real clock: receivers check t against theirs (300 s tolerance).
      header = signatureHeader(job.payload, job.target.secret, time);
      const sent = await this.send(job, header);
      if (sent === 'cancelled' || generation !== this.generation) return;
      result = sent;
    }
    this.record(job, seq, time, started, result, false);

    const ok = result.status !== null && result.status >= 200 && result.status < 300;
    if (ok) this.acknowledge(job);

    // Only attempts that reached the wire can be duplicated; the copy replays the same bytes
    // (same signature) like a network-level duplicate. Its outcome is logged but does not change
    // the job's retry/acknowledgement state.
    if (header !== null && this.faults.duplicate_rate > 0 && this.random() < this.faults.duplicate_rate) {
      const copyHeader = header;
      const attempt = job.attempt;
      this.busy++;
      this.track(this.limit(() => this.runDuplicate(job, attempt, copyHeader, generation)));
    }

    if (!ok && job.attempt <= this.retryDelaysMs.length) {
      const delay = this.retryDelaysMs[job.attempt - 1]!;
      job.attempt++;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (generation === this.generation) this.startAttempt(job);
      }, delay);
      timer.unref(); // a pending retry must not keep the process alive
      this.timers.add(timer);
      return;
    }
    // Acknowledged, or out of attempts: the event stays pending for this endpoint.
    this.finish();
  }

  private async runDuplicate(job: Job, attempt: number, header: string, generation: number): Promise<void> {
    if (generation !== this.generation) return;
    const time = Math.floor(this.now() / 1000);
    const seq = this.seq++;
    const started = performance.now();
    const sent = await this.send(job, header);
    if (sent === 'cancelled' || generation !== this.generation) return;
    this.record({ ...job, attempt }, seq, time, started, sent, true);
    this.finish();
  }

  /** One HTTP POST. Never throws: every failure becomes a status/error pair. */
  private async send(job: Job, header: string): Promise<AttemptResult | 'cancelled'> {
    // A per-request controller, not AbortSignal.any() with a dispatcher-wide signal: in Node, any()
    // keeps dependants on a long-lived signal, which leaks over many deliveries.
    const controller = new AbortController();
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const onTimeout = () => controller.abort(timeout.reason);
    timeout.addEventListener('abort', onTimeout, { once: true });
    this.requests.add(controller);
    try {
      const response = await fetch(job.target.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json; charset=utf-8',
          'User-Agent': USER_AGENT,
          'Stripe-Signature': header,
        },
        body: job.payload,
        // Stripe does not follow redirects: a 3xx is a failed delivery.
        redirect: 'manual',
        signal: controller.signal,
      });
      // The body is irrelevant; discard it so the connection is released (errors don't matter).
      response.body?.cancel().catch(() => {});
      return { status: response.status, error: null };
    } catch (err) {
      if (controller.signal.aborted && !timeout.aborted) return 'cancelled';
      return { status: null, error: describeError(err) };
    } finally {
      timeout.removeEventListener('abort', onTimeout);
      this.requests.delete(controller);
    }
  }

  private record(job: Job, seq: number, time: number, started: number, result: AttemptResult, duplicate: boolean): void {
    this.log.push({
      seq,
      event_id: job.eventId,
      endpoint_id: job.target.id,
      url: job.target.url,
      attempt: job.attempt,
      status: result.status,
      error: result.error,
      duplicate,
      time,
      duration_ms: Math.round(performance.now() - started),
    });
    // Trim in chunks rather than on every push, to keep appends cheap at the cap.
    if (this.log.length > this.maxLogRecords + Math.ceil(this.maxLogRecords / 10)) {
      this.log.splice(0, this.log.length - this.maxLogRecords);
    }
  }

  private acknowledge(job: Job): void {
    const key = `${job.eventId}\u0000${job.target.id}`;
    if (this.acknowledged.has(key)) return;
    this.acknowledged.add(key);
    if (this.acknowledged.size > MAX_ACK_KEYS) {
      // Sets iterate in insertion order: drop the oldest key.
      this.acknowledged.delete(this.acknowledged.values().next().value!);
    }
    try {
      this.onAcknowledged(job.eventId, job.target.id);
    } catch (err) {
      // A faulty callback must not break delivery bookkeeping; surface it without crashing.
      process.emitWarning(`webhook onAcknowledged threw: ${describeError(err)}`);
    }
  }

  private finish(): void {
    this.busy = Math.max(0, this.busy - 1);
    this.notifyIdle();
  }

  private notifyIdle(): void {
    if (this.busy !== 0) return;
    if (this.keepAlive) clearInterval(this.keepAlive);
    this.keepAlive = null;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private track(work: Promise<unknown>): void {
    // Attempts never throw by design; this is the last line against unhandled rejections (and
    // against idle() never resolving because the failed unit was never finished).
    const generation = this.generation;
    const settled = work.catch((err) => {
      process.emitWarning(`webhook delivery failed unexpectedly: ${describeError(err)}`);
      if (generation === this.generation) this.finish();
    });
    this.inFlight.add(settled);
    void settled.finally(() => this.inFlight.delete(settled));
  }
}

function describeError(err: unknown): string {
  if (err instanceof Error || (typeof err === 'object' && err !== null && 'name' in err)) {
    const e = err as Error & { cause?: unknown };
    if (e.name === 'TimeoutError') return 'timeout';
    // fetch wraps network failures as TypeError('fetch failed'); the cause says what happened.
    const cause = e.cause;
    if (cause instanceof Error) {
      const code = (cause as Error & { code?: string }).code;
      return code && !cause.message.includes(code) ? `${code}: ${cause.message}` : cause.message;
    }
    return e.message;
  }
  return String(err);
}
