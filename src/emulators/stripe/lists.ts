/** Stripe's list envelope: newest first, `limit`, cursors, `created` ranges. */
import { invalidRequest } from './errors.ts';
import type { StripeObject } from './store.ts';

export type Range = number | { gt?: number; gte?: number; lt?: number; lte?: number };

export interface ListQuery {
  limit?: number;
  starting_after?: string;
  ending_before?: string;
  created?: Range;
}

export function inRange(value: number, range: Range | undefined): boolean {
  if (range === undefined) return true;
  if (typeof range === 'number') return value === range;
  return (
    (range.gt === undefined || value > range.gt) &&
    (range.gte === undefined || value >= range.gte) &&
    (range.lt === undefined || value < range.lt) &&
    (range.lte === undefined || value <= range.lte)
  );
}

/** Newest first by `created`; objects created in the same second keep reverse creation order. */
export function newestFirst(items: StripeObject[]): StripeObject[] {
  return items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => b.item.created - a.item.created || b.index - a.index)
    .map((x) => x.item);
}

export function listEnvelope(data: StripeObject[], hasMore: boolean, url: string): StripeObject {
  return { object: 'list', data, has_more: hasMore, url };
}

/**
 * Pages through `items` (oldest first, as stored) the way Stripe does. `kind` names the
 * resource in the error for an unknown cursor, as Stripe's "No such customer: 'cus_x'".
 */
export function paginate(items: StripeObject[], query: ListQuery, url: string, kind: string, sortNewestFirst = true): StripeObject {
  if (query.starting_after && query.ending_before) {
    throw invalidRequest('You may only specify one of these parameters: ending_before, starting_after.', 'ending_before');
  }
  const limit = query.limit ?? 10;
  const filtered = items.filter((o) => inRange(o.created ?? 0, query.created));
  const sorted = sortNewestFirst ? newestFirst(filtered) : filtered;
  const cursor = query.starting_after ?? query.ending_before;
  if (cursor !== undefined) {
    const at = sorted.findIndex((o) => o.id === cursor);
    const param = query.starting_after !== undefined ? 'starting_after' : 'ending_before';
    if (at < 0) throw invalidRequest(`No such ${kind}: '${cursor}'`, param, 'resource_missing');
    if (query.starting_after !== undefined) {
      const rest = sorted.slice(at + 1);
      return listEnvelope(rest.slice(0, limit), rest.length > limit, url);
    }
    const before = sorted.slice(0, at);
    return listEnvelope(before.slice(Math.max(0, before.length - limit)), before.length > limit, url);
  }
  return listEnvelope(sorted.slice(0, limit), sorted.length > limit, url);
}

/**
 * Pages through `items` kept in their own order (line items keep the order they were given in),
 * with the same cursors as `paginate`: an unknown cursor is Stripe's 400, and `ending_before`
 * answers the page just before the cursor.
 */
export function paginateInOrder(items: StripeObject[], query: Omit<ListQuery, 'created'>, url: string, kind: string): StripeObject {
  return paginate(items, query, url, kind, false);
}

/** Search results page by page; `page` is the opaque `next_page` token of the previous page. */
export function searchPage(items: StripeObject[], matches: (o: StripeObject) => boolean, query: { limit?: number; page?: string }, url: string): StripeObject {
  const limit = query.limit ?? 10;
  let offset = 0;
  if (query.page !== undefined) {
    const decoded = Number(
      Buffer.from(query.page, 'base64url')
        .toString('utf8')
        .replace(/^page:/, ''),
    );
    if (!Number.isInteger(decoded) || decoded < 0 || !Buffer.from(query.page, 'base64url').toString('utf8').startsWith('page:')) {
      throw invalidRequest(`Invalid page: ${query.page}`, 'page');
    }
    offset = decoded;
  }
  const hits = newestFirst(items.filter(matches));
  const data = hits.slice(offset, offset + limit);
  const hasMore = hits.length > offset + limit;
  return {
    object: 'search_result',
    data,
    has_more: hasMore,
    next_page: hasMore ? Buffer.from(`page:${offset + limit}`).toString('base64url') : null,
    url,
  };
}
