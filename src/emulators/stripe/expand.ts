/**
 * `expand[]`: replaces id strings by the objects they name, along dotted paths such as
 * `latest_invoice.customer` or `data.customer` on lists. Stripe allows four levels, `data` included.
 * "Includable" fields (`line_items` on a checkout session, `payments` on an invoice) exist only
 * when expanded; `includables` builds them.
 */
import { invalidRequest } from './errors.ts';
import type { StripeObject, Store } from './store.ts';

const MAX_DEPTH = 4;

/** Builds an includable field; null when the object has nothing there (a coupon without `applies_to`). */
export type Includables = Record<string, Record<string, (obj: StripeObject, store: Store) => StripeObject | null>>;

/** Stripe names the path up to and including the segment it cannot expand: `latest_invoice.payment_intent`. */
function cannotExpand(path: string): never {
  throw invalidRequest(`This property cannot be expanded (${path}).`, 'expand');
}

const isPlainObject = (v: unknown): v is StripeObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Expands `segments` on `holder`. `done` is the path walked so far (for messages). A segment in
 * the middle of a path may walk through any object (an embedded hash such as
 * `invoice_settings`, an already expanded resource, a list's `data`); the last one must name
 * something expandable: an id of a stored object, an includable field, a resource or list
 * (already expanded), or null (nothing to expand). A free-form hash (`metadata`, `payment`) or a
 * plain value (`status`, `email`) cannot be expanded.
 */
function expandOne(holder: StripeObject, segments: string[], store: Store, includables: Includables, done: string[]): void {
  const [field, ...rest] = segments as [string, ...string[]];
  const path = [...done, field];
  if ((holder.object === 'list' || holder.object === 'search_result') && field === 'data') {
    if (rest.length === 0) cannotExpand(path.join('.'));
    for (const item of holder.data as StripeObject[]) expandOne(item, rest, store, includables, path);
    return;
  }
  let value = Object.hasOwn(holder, field) ? holder[field] : undefined;
  const include = includables[holder.object]?.[field];
  if (include && value === undefined) {
    value = holder[field] = include(holder, store);
  } else if (typeof value === 'string') {
    const target = store.get(value) ?? store.deletedStub(value);
    if (!target) cannotExpand(path.join('.'));
    value = holder[field] = structuredClone(target);
  } else if (value === undefined || (value !== null && typeof value !== 'object')) {
    cannotExpand(path.join('.'));
  } else if (rest.length === 0 && isPlainObject(value) && typeof value.object !== 'string') {
    cannotExpand(path.join('.'));
  }
  if (rest.length > 0 && value !== null && typeof value === 'object') {
    expandOne(value, rest, store, includables, path);
  }
}

/**
 * Checks the paths' form before a request runs, so a bad path changes nothing. Stripe counts
 * every segment, `data` included: listing charges, `data.payment_intent.customer.default_source`
 * is the deepest expansion allowed, and `latest_invoice.payments.data.payment.payment_intent` is
 * one level too deep.
 */
export function checkExpandPaths(paths: string[] | undefined): void {
  for (const p of paths ?? []) {
    const segments = p.split('.');
    if (segments.some((s) => s === '')) throw invalidRequest(`Invalid expand path: ${p}`, 'expand');
    if (segments.length > MAX_DEPTH) {
      throw invalidRequest(`You cannot expand more than ${MAX_DEPTH} levels of a property. Property: ${p}`, 'expand', 'property_expansion_max_depth');
    }
  }
}

/** Expands `paths` in place on `obj`, which must already be a copy of the stored object. */
export function applyExpand(obj: StripeObject, paths: string[] | undefined, store: Store, includables: Includables): StripeObject {
  checkExpandPaths(paths);
  for (const p of paths ?? []) expandOne(obj, p.split('.'), store, includables, []);
  return obj;
}
