/**
 * What the SDK's signature check leaves open: a timestamp in the future (it only refuses old
 * ones), and the same signed request sent again within the tolerance. Stripe signs every
 * delivery attempt afresh, retries included, so a signature seen before is a replay. Memory only:
 * signatures are forgotten once the tolerance has refused them anyway.
 */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();
  constructor(
    private readonly toleranceS: number,
    private readonly nowS: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  /** Why the (already verified) header must be refused, or null; remembers it. */
  check(header: string): string | null {
    const now = this.nowS();
    const t = Number(/(?:^|,)t=(\d+)/.exec(header)?.[1]);
    if (t > now + this.toleranceS) return `Timestamp ${t} is more than ${this.toleranceS} s in the future`;
    const signatures = [...header.matchAll(/(?:^|,)v1=([0-9a-f]+)/g)].map((m) => m[1]!).sort();
    const key = `${t}:${signatures.join(',')}`;
    if (this.seen.has(key)) return 'this signed request was already received (a replay): Stripe signs each delivery afresh';
    // Oldest first (insertion order): stop at the first still within the tolerance.
    for (const [k, expires] of this.seen) {
      if (expires >= now) break;
      this.seen.delete(k);
    }
    this.seen.set(key, t + this.toleranceS);
    return null;
  }
}
