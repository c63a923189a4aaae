/**
 * The field schemas every configuration source shares: a variable, a flag's hand-off and a
 * config file's leaf are checked by the same zod schema, so a value means the same wherever it
 * is written. Messages say what the value must be ("must be …"); the caller names the input.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseDuration } from './duration.ts';

export const port = z.coerce.number({ error: 'must be a port number' }).int('must be a port number').min(0, 'must be 0–65535').max(65535, 'must be 0–65535');
export const positiveInt = z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').min(1, 'must be at least 1');
export const duration = z.string().transform((raw, ctx) => {
  try {
    return parseDuration(raw);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});
export const stripeKey = z.string().regex(/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/, 'must be a Stripe secret or restricted key (sk_test_… or rk_test_…)');
export const url = (example: string) => z.url({ error: `must be a URL such as ${example}` });
export const msList = z
  .string()
  .regex(/^\d+(,\d+)*$/, 'must be a comma-separated list of milliseconds, e.g. 250,1000,4000')
  .transform((s) => s.split(',').map(Number));
export const lookupKey = z.string().regex(/^[A-Za-z0-9_.-]+$/, 'must be a Stripe lookup_key (letters, digits, _ . -)');
export const nonEmpty = z.string().min(1, 'must not be empty');
/** `canary_<UTC stamp>_<random>`: sorts by time, unique across concurrent runs and machines. */
export const RUN_ID_PATTERN = /^canary_\d{8}T\d{6}Z_[a-z0-9]{6,}$/;
export const runId = z.string().regex(RUN_ID_PATTERN, 'must be a run id made by canary (canary_<UTC time>_<random>)');
/** A folder canary writes into, relative to the project (checked writable once resolved: see `writableFolderProblem`). */
export const folder = z.string().min(1, 'must be a folder');

/**
 * Why `wanted` is not a folder the command can write to: an existing writable folder, or one that
 * can be made (its nearest existing parent is a writable folder); null when it is fine. Nothing is
 * created here, so a bad folder stops the command before it does anything.
 */
export function writableFolderProblem(wanted: string): string | null {
  let at = wanted;
  while (!existsSync(at) && path.dirname(at) !== at) at = path.dirname(at);
  if (!statSync(at).isDirectory()) return at === wanted ? `${wanted} is a file, not a folder` : `${wanted} cannot be created: ${at} is a file`;
  try {
    accessSync(at, constants.W_OK);
    return null;
  } catch {
    return at === wanted ? `${wanted} is not writable` : `${wanted} cannot be created: ${at} is not writable`;
  }
}
