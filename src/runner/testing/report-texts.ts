/**
 * Test helper: every text a report folder holds, including what is zipped inside it (Playwright
 * traces, and the HTML report, which embeds its data as a base64 zip), so a test can look for
 * secrets where a reader of the report could find them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';

export interface ReportText {
  /** The file, and the entry inside it when it came out of a zip (`trace.zip!trace.network`). */
  where: string;
  text: string;
}

/** The entries of a zip archive, from its central directory (stored and deflated entries). */
export function unzip(buf: Buffer): { name: string; data: Buffer }[] {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip archive: no end of central directory');
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const entries: { name: string; data: Buffer }[] = [];
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(at) !== 0x02014b50) throw new Error(`zip central directory entry ${n} is corrupt`);
    const method = buf.readUInt16LE(at + 10);
    const compressed = buf.readUInt32LE(at + 20);
    const nameLen = buf.readUInt16LE(at + 28);
    const extraLen = buf.readUInt16LE(at + 30);
    const commentLen = buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.toString('utf8', at + 46, at + 46 + nameLen);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(start, start + compressed);
    if (method !== 0 && method !== 8) throw new Error(`zip entry ${name} uses compression method ${method}`);
    entries.push({ name, data: method === 8 ? inflateRawSync(raw) : raw });
    at += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else if (entry.isFile()) yield full;
  }
}

/** Every file of the folder as text (latin1 for binaries, so byte patterns still match), and every zipped entry. */
export function reportTexts(dir: string): ReportText[] {
  const texts: ReportText[] = [];
  for (const file of walk(dir)) {
    const where = path.relative(dir, file);
    const buf = readFileSync(file);
    texts.push({ where, text: buf.toString('latin1') });
    if (file.endsWith('.zip')) {
      for (const e of unzip(buf)) texts.push({ where: `${where}!${e.name}`, text: e.data.toString('latin1') });
    }
    if (file.endsWith('.html')) {
      const embedded = /data:application\/zip;base64,([A-Za-z0-9+/=]+)/.exec(buf.toString('utf8'));
      if (embedded) for (const e of unzip(Buffer.from(embedded[1]!, 'base64'))) texts.push({ where: `${where}!${e.name}`, text: e.data.toString('latin1') });
    }
  }
  return texts;
}

/** Where each secret (an exact value or a pattern) appears in the report folder. */
export function secretsIn(dir: string, secrets: (string | RegExp)[]): string[] {
  const found: string[] = [];
  for (const { where, text } of reportTexts(dir)) {
    for (const s of secrets) {
      if (typeof s === 'string' ? text.includes(s) : s.test(text)) found.push(`${String(s)} in ${where}`);
    }
  }
  return found;
}
