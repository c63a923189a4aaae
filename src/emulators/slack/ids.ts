import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Slack-like id: a one-letter kind and upper-case base36, as in `F07ABCD1234` or `U024BE7LH`. */
export function slackId(prefix: 'F' | 'U' | 'B' | 'T' | 'A', length = 10): string {
  let out = prefix;
  // 36 does not divide 256; the slight bias is irrelevant for identifiers.
  for (const b of randomBytes(length)) out += ALPHABET[b % 36];
  return out;
}

/**
 * Message timestamps: `"<seconds>.<6 digits>"`, unique and increasing within the emulator even
 * when two messages are posted in the same microsecond (or the wall clock steps back).
 */
export class TsClock {
  private last = 0;

  next(): string {
    const micros = Math.max(Date.now() * 1000, this.last + 1);
    this.last = micros;
    return `${Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`;
  }
}
