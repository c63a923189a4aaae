/**
 * The app's clock: wall time plus an offset that the admin API moves (`/_demo/clock`), so a test
 * can age what the app recorded (a retention of days) without waiting. It keeps ticking after a
 * change. Every `created` the app records and every response's `Date` header come from it.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** The clock stays within what a JavaScript Date (and so a Date header) can hold. */
export const MAX_UNIX_SECONDS = 253_402_300_799; // 9999-12-31T23:59:59Z

export class Clock {
  private offsetMs = 0;

  /** Unix seconds. */
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
}

/**
 * Makes every response of `server` carry a `Date` header from `clock`, taken when its headers are
 * written (Node would otherwise add the wall-clock time). Prepended to the server's `request`
 * listeners, so it covers answers the framework gives before its own hooks run (a bad URL).
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
