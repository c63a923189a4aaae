/** Products and prices: the catalogue that Checkout sessions and subscriptions are built from. */
import { z } from 'zod';
import { route, type ResourceModule } from '../context.ts';
import { invalidRequest } from '../errors.ts';
import { newId } from '../ids.ts';
import { paginate } from '../lists.ts';
import { blank } from '../objects.ts';
import { arrayOf, bool, int, listParams, mergeMetadata, metadata, nonEmpty, oneOf, str } from '../params.ts';
import { mustFind, mustFindParam } from './shared.ts';

const productFields = {
  description: str(40000).optional(),
  metadata: metadata().optional(),
  active: bool().optional(),
  url: str().optional(),
  statement_descriptor: str(22).optional(),
  unit_label: str(12).optional(),
};

const priceFields = {
  metadata: metadata().optional(),
  active: bool().optional(),
  nickname: str().optional(),
  lookup_key: str(200).optional(),
  transfer_lookup_key: bool().optional(),
};

const CURRENCY = /^[a-z]{3}$/;

export const catalog: ResourceModule = {
  routes: [
    route('POST', '/v1/products', { ...productFields, name: nonEmpty(), id: str().optional() }, ({ params: p, emu, request }) => {
      const id = p.id ?? newId('product');
      if (emu.store.get(id) || emu.store.deletedStub(id)) {
        throw invalidRequest(`Product already exists.`, 'id', 'resource_already_exists');
      }
      const product = blank('product', { id, created: emu.clock.now() });
      Object.assign(product, {
        name: p.name,
        description: p.description ?? null,
        active: p.active ?? true,
        url: p.url ?? null,
        statement_descriptor: p.statement_descriptor ?? null,
        unit_label: p.unit_label ?? null,
        metadata: mergeMetadata({}, p.metadata),
        updated: product.created,
      });
      emu.store.insert(product);
      emu.events.emit('product.created', product, request);
      return product;
    }),
    route('GET', '/v1/products', { ...listParams, active: bool().optional() }, ({ params: p, emu }) =>
      paginate(
        emu.store.all('product').filter((x) => p.active === undefined || x.active === p.active),
        p,
        '/v1/products',
        'product',
      ),
    ),
    route('GET', '/v1/products/:id', {}, ({ path, emu }) => mustFind(emu, 'product', path.id!, 'product')),
    route('POST', '/v1/products/:id', { ...productFields, name: nonEmpty().optional() }, ({ params: p, path, emu, request }) => {
      const product = mustFind(emu, 'product', path.id!, 'product');
      const before = structuredClone(product);
      for (const key of ['name', 'description', 'url', 'statement_descriptor', 'unit_label'] as const) {
        if (p[key] !== undefined) product[key] = p[key] === '' ? null : p[key];
      }
      if (p.active !== undefined) product.active = p.active;
      product.metadata = mergeMetadata(product.metadata, p.metadata);
      product.updated = emu.clock.now();
      emu.events.emit('product.updated', product, request, before);
      return product;
    }),

    route(
      'POST',
      '/v1/prices',
      {
        ...priceFields,
        currency: str(3),
        product: str(),
        unit_amount: int(0, 99999999).optional(),
        recurring: z
          .strictObject({
            interval: oneOf(['day', 'week', 'month', 'year']),
            interval_count: int(1, 365).optional(),
            usage_type: oneOf(['licensed', 'metered']).optional(),
            trial_period_days: int(0, 730).optional(),
          })
          .optional(),
        tax_behavior: oneOf(['exclusive', 'inclusive', 'unspecified']).optional(),
      },
      ({ params: p, emu, request }) => {
        const currency = p.currency.toLowerCase();
        if (!CURRENCY.test(currency)) throw invalidRequest(`Invalid currency: ${p.currency}`, 'currency');
        if (p.unit_amount === undefined) throw invalidRequest('Missing required param: unit_amount.', 'unit_amount', 'parameter_missing');
        const product = mustFindParam(emu, 'product', p.product, 'product', 'product');
        const existing = p.lookup_key ? emu.store.all('price').find((x) => x.lookup_key === p.lookup_key) : undefined;
        if (existing && !p.transfer_lookup_key) {
          throw invalidRequest(
            `A price (\`${existing.id}\`) already uses that lookup key. Set \`transfer_lookup_key\` to \`true\` to move it to this price.`,
            'lookup_key',
          );
        }
        const price = blank('price', { id: newId('price'), created: emu.clock.now() });
        Object.assign(price, {
          active: p.active ?? true,
          currency,
          lookup_key: p.lookup_key ?? null,
          metadata: mergeMetadata({}, p.metadata),
          nickname: p.nickname ?? null,
          product: product.id,
          recurring: p.recurring
            ? {
                interval: p.recurring.interval,
                interval_count: p.recurring.interval_count ?? 1,
                meter: null,
                trial_period_days: p.recurring.trial_period_days ?? null,
                usage_type: p.recurring.usage_type ?? 'licensed',
              }
            : null,
          tax_behavior: p.tax_behavior ?? 'unspecified',
          type: p.recurring ? 'recurring' : 'one_time',
          unit_amount: p.unit_amount,
          unit_amount_decimal: String(p.unit_amount),
        });
        if (existing) {
          const before = structuredClone(existing);
          existing.lookup_key = null;
          emu.events.emit('price.updated', existing, request, before);
        }
        emu.store.insert(price);
        emu.events.emit('price.created', price, request);
        return price;
      },
    ),
    route(
      'GET',
      '/v1/prices',
      {
        ...listParams,
        active: bool().optional(),
        product: str().optional(),
        currency: str(3).optional(),
        type: oneOf(['one_time', 'recurring']).optional(),
        lookup_keys: arrayOf(str(200), 10).optional(),
      },
      ({ params: p, emu }) =>
        paginate(
          emu.store
            .all('price')
            .filter(
              (x) =>
                (p.active === undefined || x.active === p.active) &&
                (p.product === undefined || x.product === p.product) &&
                (p.currency === undefined || x.currency === p.currency.toLowerCase()) &&
                (p.type === undefined || x.type === p.type) &&
                (p.lookup_keys === undefined || p.lookup_keys.includes(x.lookup_key)),
            ),
          p,
          '/v1/prices',
          'price',
        ),
    ),
    route('GET', '/v1/prices/:id', {}, ({ path, emu }) => mustFind(emu, 'price', path.id!, 'price')),
    route('POST', '/v1/prices/:id', priceFields, ({ params: p, path, emu, request }) => {
      const price = mustFind(emu, 'price', path.id!, 'price');
      const before = structuredClone(price);
      if (p.lookup_key !== undefined) {
        const holder = emu.store.all('price').find((x) => x.lookup_key === p.lookup_key && x.id !== price.id);
        if (holder && !p.transfer_lookup_key) {
          throw invalidRequest(`A price (\`${holder.id}\`) already uses that lookup key.`, 'lookup_key');
        }
        if (holder) {
          // The price that loses its lookup key changes too, as on create with transfer_lookup_key.
          const holderBefore = structuredClone(holder);
          holder.lookup_key = null;
          emu.events.emit('price.updated', holder, request, holderBefore);
        }
        price.lookup_key = p.lookup_key === '' ? null : p.lookup_key;
      }
      if (p.active !== undefined) price.active = p.active;
      if (p.nickname !== undefined) price.nickname = p.nickname === '' ? null : p.nickname;
      price.metadata = mergeMetadata(price.metadata, p.metadata);
      if (JSON.stringify(before) !== JSON.stringify(price)) emu.events.emit('price.updated', price, request, before);
      return price;
    }),
  ],
};
