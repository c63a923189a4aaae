/**
 * The emulator's clock: wall time plus an offset that the control API moves, so tests can
 * jump forward (expiry, billing periods) without waiting. It keeps ticking after a change.
 * Every response's `Date` header comes from it, as real Stripe's "now" comes from its servers.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

export class Clock {
  private offsetMs = 0;

  now(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  nowMs(): number {
    return Date.now() + this.offsetMs;
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
