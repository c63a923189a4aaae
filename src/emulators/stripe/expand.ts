/**
 * `expand[]`: replaces id strings by the objects they name, along dotted paths such as
 * `latest_invoice.customer` or `data.customer` on lists. Stripe allows four levels.
 * "Includable" fields (`line_items` on a checkout session, `payments` on an invoice) exist only
 * when expanded; `includables` builds them.
 */
import { invalidRequest } from './errors.ts';
import type { StripeObject, Store } from './store.ts';

const MAX_DEPTH = 4;

export type Includables = Record<string, Record<string, (obj: StripeObject, store: Store) => StripeObject>>;

function cannotExpand(field: string): never {
  throw invalidRequest(`This property cannot be expanded (${field}).`, 'expand');
}

function expandOne(holder: StripeObject, segments: string[], store: Store, includables: Includables, fullPath: string): void {
  const [field, ...rest] = segments as [string, ...string[]];
  if (holder.object === 'list' && field === 'data') {
    if (rest.length === 0) cannotExpand(fullPath);
    for (const item of holder.data as StripeObject[]) expandOne(item, rest, store, includables, fullPath);
    return;
  }
  let value = holder[field];
  const include = includables[holder.object]?.[field];
  if (include && value === undefined) {
    value = holder[field] = include(holder, store);
  } else if (typeof value === 'string') {
    const target = store.get(value) ?? store.deletedStub(value);
    if (!target) cannotExpand(field);
    value = holder[field] = structuredClone(target);
  } else if (value === undefined || (value !== null && typeof value !== 'object')) {
    cannotExpand(field);
  }
  if (rest.length > 0 && value !== null && typeof value === 'object') {
    expandOne(value, rest, store, includables, fullPath);
  }
}

/** Checks the paths' form before a request runs, so a bad path changes nothing. */
export function checkExpandPaths(paths: string[] | undefined): void {
  for (const p of paths ?? []) {
    const segments = p.split('.');
    if (segments.some((s) => s === '')) throw invalidRequest(`Invalid expand path: ${p}`, 'expand');
    const depth = segments.filter((s) => s !== 'data').length;
    if (depth > MAX_DEPTH) {
      throw invalidRequest(`You cannot expand more than ${MAX_DEPTH} levels of a property. Property: ${p}`, 'expand');
    }
  }
}

/** Expands `paths` in place on `obj`, which must already be a copy of the stored object. */
export function applyExpand(obj: StripeObject, paths: string[] | undefined, store: Store, includables: Includables): StripeObject {
  checkExpandPaths(paths);
  for (const p of paths ?? []) expandOne(obj, p.split('.'), store, includables, p);
  return obj;
}
