/**
 * Writes src/emulators/stripe/testing/stripe-shapes.json: the key structure of Stripe's example
 * object for each API resource, without its values, which the emulator's shape checks compare
 * against (testing/shape.ts). The source, stripe/openapi's openapi/fixtures3.json, sits outside the
 * project (../shared/reference/) and must not be copied in; only this derived structure is committed,
 * so the tests run on a clone with no ../shared beside it.
 *
 *   node --import tsx scripts/stripe-shapes.ts [--from FIXTURES] [--manifest OUT]   regenerate
 *   node --import tsx scripts/stripe-shapes.ts --check [--from …] [--manifest …]    exit 1 if stale
 *
 * Exit codes: 0 written or up to date; 1 the manifest differs from what the source gives;
 * 2 the source is missing or unreadable, or a usage error.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_SOURCE = path.resolve(repoRoot, '../shared/reference/stripe-fixtures3.json');
export const DEFAULT_MANIFEST = path.resolve(repoRoot, 'src/emulators/stripe/testing/stripe-shapes.json');

const HEADER = {
  generated_by: 'scripts/stripe-shapes.ts; do not edit',
  source: 'stripe/openapi, file openapi/fixtures3.json (https://github.com/stripe/openapi)',
  license: 'MIT licence, © Stripe, Inc.',
  about:
    "The key structure of Stripe's example object for each API resource, values removed: a leaf is null, " +
    'a nested object keeps its keys ({} where the example shows an empty, free-form map), an array keeps ' +
    'only the structure of its first element ([] when empty), and `object` keeps its type name.',
} as const;

type Plain = Record<string, unknown>;

function isPlain(v: unknown): v is Plain {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The key structure of one example value (see HEADER.about); key order is kept, since it orders the checker's messages. */
export function keyShape(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? [] : [keyShape(value[0])];
  if (!isPlain(value)) return null;
  const out: Plain = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = key === 'object' && typeof v === 'string' ? v : keyShape(v);
  }
  return out;
}

/** The manifest's text for a parsed fixtures3.json: the header, then every resource's key structure. */
export function renderManifest(fixtures: unknown, sourceName = 'the fixtures file'): string {
  const resources = isPlain(fixtures) ? fixtures.resources : undefined;
  if (!isPlain(resources)) throw new Error(`${sourceName} has no "resources" object`);
  const shapes: Plain = {};
  for (const [name, example] of Object.entries(resources)) shapes[name] = keyShape(example);
  return `${JSON.stringify({ ...HEADER, resources: shapes }, null, 2)}\n`;
}

/** Names the resources that differ between two manifests' texts, for the --check message. */
function describeDifference(committed: string, fresh: string): string {
  let old: Plain;
  try {
    const parsed: unknown = JSON.parse(committed);
    if (!isPlain(parsed) || !isPlain(parsed.resources)) return 'it has no "resources" object';
    old = parsed.resources;
  } catch (err) {
    return `it is not valid JSON (${(err as Error).message})`;
  }
  const now = (JSON.parse(fresh) as { resources: Plain }).resources;
  const added = Object.keys(now).filter((k) => !(k in old));
  const removed = Object.keys(old).filter((k) => !(k in now));
  const changed = Object.keys(now).filter((k) => k in old && JSON.stringify(old[k]) !== JSON.stringify(now[k]));
  const parts = [
    added.length ? `missing resources: ${added.join(', ')}` : '',
    removed.length ? `extra resources: ${removed.join(', ')}` : '',
    changed.length ? `changed resources: ${changed.join(', ')}` : '',
  ].filter(Boolean);
  return parts.length ? parts.join('; ') : 'the header, key order or formatting differs';
}

function main(argv: string[]): number {
  let values: { from?: string; manifest?: string; check?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { from: { type: 'string' }, manifest: { type: 'string' }, check: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    console.error(`stripe-shapes: ${(err as Error).message}; usage: scripts/stripe-shapes.ts [--check] [--from FIXTURES_JSON] [--manifest OUT_JSON]`);
    return 2;
  }
  const source = path.resolve(values.from ?? DEFAULT_SOURCE);
  const manifest = path.resolve(values.manifest ?? DEFAULT_MANIFEST);
  const rel = (p: string) => (p.startsWith(`${process.cwd()}${path.sep}`) ? path.relative(process.cwd(), p) : p);

  let fresh: string;
  try {
    const text = readFileSync(source, 'utf8');
    fresh = renderManifest(JSON.parse(text), source);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? `${source} not found` : e instanceof SyntaxError ? `${source} is not JSON (${e.message})` : e.message;
    console.error(`stripe-shapes: cannot use Stripe's fixtures: ${why}; pass --from PATH to stripe/openapi's openapi/fixtures3.json`);
    return 2;
  }

  if (!values.check) {
    writeFileSync(manifest, fresh);
    console.log(`stripe-shapes: wrote ${rel(manifest)} (${Buffer.byteLength(fresh)} bytes) from ${source}`);
    return 0;
  }
  let committed: string;
  try {
    committed = readFileSync(manifest, 'utf8');
  } catch (err) {
    console.error(`stripe-shapes: cannot read the manifest ${manifest}: ${(err as Error).message}; run scripts/stripe-shapes.ts without --check to write it`);
    return 1;
  }
  if (committed === fresh) {
    console.log(`stripe-shapes: ${rel(manifest)} is up to date with ${source}`);
    return 0;
  }
  console.error(
    `stripe-shapes: ${rel(manifest)} does not match ${source} (${describeDifference(committed, fresh)}); ` +
      'regenerate it with `node --import tsx scripts/stripe-shapes.ts` and commit it, never edit it by hand',
  );
  return 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
