/**
 * Parameter schemas for the emulator's endpoints, built on zod, with Stripe's wording for
 * errors. Form values arrive as strings (bracket notation decoded by qs), so numbers and
 * booleans are parsed from strings exactly as Stripe does: `limit=abc` is "Invalid integer".
 */
import { z } from 'zod';
import { type StripeApiError, invalidRequest, missingParam } from './errors.ts';

/** `{param}` in a message is replaced by the parameter's bracket path when the error is built. */
const describe = (input: unknown): string => (typeof input === 'string' ? input : JSON.stringify(input));

export const str = (max = 5000) =>
  z.string({ error: (iss) => `Invalid string: ${describe(iss.input)}` }).max(max, { error: `Invalid {param}: must be at most ${max} characters` });

/** A non-empty string (Stripe rejects `email=` for required strings with parameter_invalid_empty). */
export const nonEmpty = (max = 5000) =>
  str(max).min(1, {
    error:
      "You passed an empty string for '{param}'. We assume empty values are an attempt to unset a parameter; however '{param}' cannot be unset. You should remove '{param}' from your request or supply a non-empty value.",
  });

export const int = (min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string({ error: (iss) => `Invalid integer: ${describe(iss.input)}` })
    .regex(/^-?\d{1,15}$/, { error: (iss) => `Invalid integer: ${describe(iss.input)}` })
    .transform(Number)
    .pipe(
      z
        .number()
        .min(min, { error: `This value must be greater than or equal to ${min}.` })
        .max(max, { error: `This value must be less than or equal to ${max}.` }),
    );

/** A decimal number such as `25.5` (percent_off): "Invalid decimal: abc" otherwise. */
export const decimal = () =>
  z
    .string({ error: (iss) => `Invalid decimal: ${describe(iss.input)}` })
    .regex(/^-?\d{1,12}(\.\d{1,12})?$/, { error: (iss) => `Invalid decimal: ${describe(iss.input)}` })
    .transform(Number);

export const bool = () => z.enum(['true', 'false'], { error: (iss) => `Invalid boolean: ${describe(iss.input)}` }).transform((v) => v === 'true');

export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) => {
  const list = values.length > 1 ? `${values.slice(0, -1).join(', ')}, or ${values.at(-1)}` : values[0];
  return z.enum(values, { error: `Invalid {param}: must be one of ${list}` });
};

export const arrayOf = <T extends z.ZodType>(item: T, max = 100) =>
  z.array(item, { error: 'Invalid array' }).max(max, { error: `Invalid {param}: at most ${max} entries are allowed` });

/** Metadata: up to 50 keys, keys up to 40 characters, values up to 500; `metadata=` clears it. */
export const metadata = () =>
  z.union(
    [
      z.literal(''),
      z
        .record(
          z.string().max(40, { error: 'Metadata keys must be at most 40 characters.' }),
          z.string({ error: 'Metadata values must be strings.' }).max(500, {
            error: 'Metadata values must be at most 500 characters.',
          }),
        )
        .refine((m) => Object.keys(m).length <= 50, { error: 'Metadata can have at most 50 keys.' }),
    ],
    { error: 'Invalid metadata: must be an object of string values' },
  );

/** `created` on lists: an exact integer or `created[gt|gte|lt|lte]`. */
export const rangeFilter = () =>
  z.union([int(), z.strictObject({ gt: int().optional(), gte: int().optional(), lt: int().optional(), lte: int().optional() })], {
    error: 'Invalid {param}: must be an integer or a hash with gt, gte, lt or lte',
  });

/** Cursor pagination only: lists of sub-objects (line items) have no `created` filter. */
export const cursorParams = {
  limit: int(1, 100).optional(),
  starting_after: str().optional(),
  ending_before: str().optional(),
};

export const listParams = {
  ...cursorParams,
  created: rangeFilter().optional(),
};

export const expandParam = { expand: arrayOf(str(), 20).optional() };

export type Metadata = Record<string, string>;

/** Applies a metadata update as Stripe does: '' clears all, a key set to '' is removed. */
export function mergeMetadata(current: Metadata, update: Metadata | '' | undefined): Metadata {
  if (update === undefined) return current;
  if (update === '') return {};
  const next = { ...current };
  for (const [k, v] of Object.entries(update)) {
    if (v === '') delete next[k];
    else next[k] = v;
  }
  return next;
}

/** `line_items[0][price]` from zod's path `['line_items', 0, 'price']`. */
export function bracketPath(path: readonly PropertyKey[]): string {
  const [head, ...rest] = path.map(String);
  return (head ?? '') + rest.map((p) => `[${p}]`).join('');
}

type Issue = z.core.$ZodIssue & { input?: unknown };

/** Turns zod's issues into the one error Stripe would answer, in Stripe's order of checks. */
export function toStripeError(issues: readonly Issue[]): StripeApiError {
  const unknown = issues.find((i) => i.code === 'unrecognized_keys');
  if (unknown && unknown.code === 'unrecognized_keys') {
    const param = bracketPath([...unknown.path, unknown.keys[0]!]);
    return invalidRequest(`Received unknown parameter: ${param}`, param, 'parameter_unknown');
  }
  // A missing enum or boolean (`mode`, `promotion[type]`) is an invalid_value with no input.
  const missing = issues.find((i) => (i.code === 'invalid_type' || i.code === 'invalid_value') && i.input === undefined);
  if (missing) return missingParam(bracketPath(missing.path));
  const first = issues[0]!;
  const param = bracketPath(first.path);
  const code = first.message.startsWith('Invalid integer')
    ? 'parameter_invalid_integer'
    : first.message.startsWith('You passed an empty string')
      ? 'parameter_invalid_empty'
      : undefined;
  return invalidRequest(first.message.replaceAll('{param}', param), param, code);
}

/** Validates parameters against a strict schema, throwing Stripe's 400 on the first problem. */
export function parseParams<S extends z.ZodType>(schema: S, params: unknown): z.output<S> {
  const result = schema.safeParse(params ?? {}, { reportInput: true });
  if (!result.success) throw toStripeError(result.error.issues as Issue[]);
  return result.data;
}
