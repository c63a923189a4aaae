/** The benchmarks' entry points take counts as flags (`--runs 5`): parsed once, a bad one named with its value (exit 2). */
import { parseArgs } from 'node:util';

export function countFlags<K extends string>(defaults: Record<K, number>, booleans: string[] = []): Record<K, number> & { flags: Record<string, boolean> } {
  const options: Record<string, { type: 'string' | 'boolean'; default?: string | boolean }> = {};
  for (const [name, value] of Object.entries(defaults)) options[name] = { type: 'string', default: String(value) };
  for (const name of booleans) options[name] = { type: 'boolean', default: false };
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ options, strict: true }));
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  const out: Record<string, unknown> = { flags: {} };
  for (const name of Object.keys(defaults)) {
    const raw = String(values[name]);
    if (!/^\d+$/.test(raw) || Number(raw) < 1) {
      console.error(`--${name} must be a whole number of at least 1 (got '${raw}')`);
      process.exit(2);
    }
    out[name] = Number(raw);
  }
  for (const name of booleans) (out.flags as Record<string, boolean>)[name] = values[name] === true;
  return out as Record<K, number> & { flags: Record<string, boolean> };
}
