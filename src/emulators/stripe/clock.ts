/**
 * The emulator's clock: wall time plus an offset that the control API moves, so tests can
 * jump forward (expiry, billing periods) without waiting. It keeps ticking after a change.
 * Every response's `Date` header comes from it, as real Stripe's "now" comes from its servers.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

export class Clock {
  private offsetMs = 0;
  /** Set while work runs on a test clock's time (see at()). */
  private frozenAt: number | null = null;

  now(): number {
    return this.frozenAt ?? Math.floor(this.nowMs() / 1000);
  }

  nowMs(): number {
    return Date.now() + this.offsetMs;
  }

  /** Whether now() is a test clock's frozen time (inside at()). */
  get frozen(): boolean {
    return this.frozenAt !== null;
  }

  /**
   * Runs `fn` with now() = `unixSeconds`: what a test clock's customer does happens at the clock's
   * frozen time, objects and events alike. Synchronous, so no other request sees it; the `Date`
   * header (nowMs) stays the emulator's own time.
   */
  at<T>(unixSeconds: number, fn: () => T): T {
    const saved = this.frozenAt;
    this.frozenAt = unixSeconds;
    try {
      return fn();
    } finally {
      this.frozenAt = saved;
    }
  }

  set(unixSeconds: number): void {
    this.offsetMs = unixSeconds * 1000 - Date.now();
  }

  advance(seconds: number): void {
    this.offsetMs += seconds * 1000;
  }

  /** The time as an HTTP `Date` header says it (RFC 7231 IMF-fixdate). */
  httpDate(): string {
    return new Date(this.nowMs()).toUTCString();
  }

  get offset(): number {
    return this.offsetMs;
  }

  restore(offsetMs: number): void {
    this.offsetMs = offsetMs;
  }
}

/**
 * Makes every response of `server` carry a `Date` header from `clock`, taken when its headers are
 * written (Node would otherwise add the wall-clock time). Prepended to the server's `request`
 * listeners, so it covers answers Fastify gives before its hooks run (a bad URL).
 */
export function stampDateHeaders(server: Server, clock: Clock): void {
  server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
    const writeHead = res.writeHead;
    // Node's implicit headers (a write or end without writeHead) go through writeHead as well.
    res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
      if (!this.headersSent) this.setHeader('date', clock.httpDate());
      return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
    } as ServerResponse['writeHead'];
  });
}
