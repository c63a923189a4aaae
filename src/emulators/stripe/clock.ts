/**
 * The emulator's clock: wall time plus an offset that the control API moves, so tests can
 * jump forward (expiry, billing periods) without waiting. It keeps ticking after a change.
 */
export class Clock {
  private offsetMs = 0;

  now(): number {
    return Math.floor((Date.now() + this.offsetMs) / 1000);
  }

  set(unixSeconds: number): void {
    this.offsetMs = unixSeconds * 1000 - Date.now();
  }

  advance(seconds: number): void {
    this.offsetMs += seconds * 1000;
  }

  get offset(): number {
    return this.offsetMs;
  }

  restore(offsetMs: number): void {
    this.offsetMs = offsetMs;
  }
}
