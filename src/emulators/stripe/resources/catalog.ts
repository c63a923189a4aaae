/** Products and prices: the catalogue that Checkout sessions and subscriptions are built from. */
import { z } from 'zod';
import { route, type Emulator as Engine, type ResourceModule } from '../context.ts';
import { invalidRequest, missingParam } from '../errors.ts';
import { paginate } from '../lists.ts';
import { arrayOf, bool, listParams, mergeMetadata, metadata, nonEmpty, oneOf, str } from '../params.ts';
import type { RequestInfo } from '../events.ts';
import type { StripeObject } from '../store.ts';
import {
  buildPrice,
  buildProduct,
  checkProductInput,
  checkTaxCode,
  currencyOptionsOf,
  currencyOptionsParam,
  currencyOptionsView,
  defaultPriceDataParam,
  emptyable,
  nested,
  priceExtras,
  priceShapeParams,
  productDataParam,
  productParams,
  toTaxDetails,
  type PriceExtras,
} from './price-data.ts';
import { mustFind, mustFindParam } from './shared.ts';

const priceFields = {
  metadata: metadata().optional(),
  active: bool().optional(),
  nickname: str().optional(),
  lookup_key: str(200).optional(),
  transfer_lookup_key: bool().optional(),
};

/** A product field's update: `''` unsets those Stripe lets be unset. */
const productUpdateParams = {
  ...productParams,
  name: nonEmpty().optional(),
  description: emptyable(str(40000)).optional(),
  images: emptyable(arrayOf(str(2048), 8)).optional(),
  marketing_features: emptyable(arrayOf(z.strictObject({ name: str(80) }), 15)).optional(),
  package_dimensions: emptyable(productParams.package_dimensions.unwrap()).optional(),
  tax_code: emptyable(str()).optional(),
  tax_details: emptyable(productParams.tax_details.unwrap()).optional(),
  unit_label: emptyable(str(12)).optional(),
  url: emptyable(str(2048)).optional(),
  default_price: str().optional(),
};

/** Stores a price built by buildPrice, moving a lookup key it takes over, with Stripe's events. */
function insertPrice(emu: Engine, price: StripeObject, extras: PriceExtras, request: RequestInfo, lookupHolder?: StripeObject): void {
  if (lookupHolder) {
    const before = structuredClone(lookupHolder);
    lookupHolder.lookup_key = null;
    emu.events.emit('price.updated', lookupHolder, request, before);
  }
  emu.store.insert(price);
  if (extras.tiers || extras.currency_options) emu.store.extras.set(price.id, extras as StripeObject);
  emu.events.emit('price.created', price, request);
}

function lookupKeyHolder(emu: Engine, lookupKey: string | undefined, transfer: boolean | undefined, self?: string): StripeObject | undefined {
  if (!lookupKey) return undefined;
  const holder = emu.store.all('price').find((x) => x.lookup_key === lookupKey && x.id !== self);
  if (holder && !transfer) {
    throw invalidRequest(
      `A price (\`${holder.id}\`) already uses that lookup key. Set \`transfer_lookup_key\` to \`true\` to move it to this price.`,
      'lookup_key',
    );
  }
  return holder;
}

export const catalog: ResourceModule = {
  includables: {
    price: {
      // Stripe returns these only when expanded (`expand[]=currency_options`, `expand[]=tiers`).
      currency_options: (price, store) => structuredClone(currencyOptionsView(price, priceExtras(store, price.id))),
      tiers: (price, store) => structuredClone(priceExtras(store, price.id).tiers ?? null) as StripeObject | null,
    },
  },
  routes: [
    route(
      'POST',
      '/v1/products',
      {
        ...productParams,
        name: nonEmpty(),
        id: str().optional(),
        type: oneOf(['good', 'service']).optional(),
        default_price_data: defaultPriceDataParam().optional(),
      },
      ({ params: p, emu, request }) => {
        checkProductInput(emu, p);
        const product = buildProduct(emu, p);
        // The default price is checked before the product is stored: a bad one leaves nothing behind.
        const built = p.default_price_data ? buildPrice(emu, p.default_price_data, product.id, nested('default_price_data')) : undefined;
        if (built) product.default_price = built.price.id;
        emu.store.insert(product);
        emu.events.emit('product.created', product, request);
        if (built) insertPrice(emu, built.price, built.extras, request);
        return product;
      },
    ),
    route('GET', '/v1/products', { ...listParams, active: bool().optional() }, ({ params: p, emu }) =>
      paginate(
        emu.store.all('product').filter((x) => p.active === undefined || x.active === p.active),
        p,
        '/v1/products',
        'product',
      ),
    ),
    route('GET', '/v1/products/:id', {}, ({ path, emu }) => mustFind(emu, 'product', path.id!, 'product')),
    route('POST', '/v1/products/:id', productUpdateParams, ({ params: p, path, emu, request }) => {
      const product = mustFind(emu, 'product', path.id!, 'product');
      checkTaxCode(p.tax_code, 'tax_code');
      if (p.tax_details) checkTaxCode(p.tax_details.tax_code, 'tax_details[tax_code]');
      if (p.package_dimensions) checkProductInput(emu, { name: product.name, package_dimensions: p.package_dimensions });
      if (p.default_price !== undefined) {
        const price = mustFindParam(emu, 'price', p.default_price, 'price', 'default_price');
        if (price.product !== product.id) {
          throw invalidRequest(
            `The price \`${price.id}\` belongs to another product (\`${price.product}\`); a product's default price must be one of its own.`,
            'default_price',
          );
        }
        if (!price.active)
          throw invalidRequest(`The price \`${price.id}\` is archived; an archived price cannot be a product's default price.`, 'default_price');
      }
      const before = structuredClone(product);
      for (const key of ['name', 'description', 'url', 'statement_descriptor', 'unit_label', 'tax_code'] as const) {
        if (p[key] !== undefined) product[key] = p[key] === '' ? null : p[key];
      }
      for (const key of ['active', 'shippable', 'default_price'] as const) {
        if (p[key] !== undefined) product[key] = p[key];
      }
      if (p.images !== undefined) product.images = p.images === '' ? [] : p.images;
      if (p.marketing_features !== undefined)
        product.marketing_features = p.marketing_features === '' ? [] : p.marketing_features.map((f) => ({ name: f.name }));
      if (p.package_dimensions !== undefined) product.package_dimensions = p.package_dimensions === '' ? null : p.package_dimensions;
      if (p.tax_details !== undefined) product.tax_details = p.tax_details === '' ? null : toTaxDetails(p.tax_details);
      product.metadata = mergeMetadata(product.metadata, p.metadata);
      product.updated = emu.clock.now();
      emu.events.emit('product.updated', product, request, before);
      return product;
    }),

    route(
      'POST',
      '/v1/prices',
      { ...priceFields, ...priceShapeParams, product: str().optional(), product_data: productDataParam().optional() },
      ({ params: p, emu, request }) => {
        if (p.product !== undefined && p.product_data !== undefined) {
          throw invalidRequest('You may only specify one of these parameters: product, product_data.', 'product');
        }
        if (p.product === undefined && p.product_data === undefined) throw missingParam('product');
        const existing = p.product !== undefined ? mustFindParam(emu, 'product', p.product, 'product', 'product') : undefined;
        if (p.product_data) checkProductInput(emu, p.product_data, nested('product_data'));
        const newProduct = p.product_data ? buildProduct(emu, p.product_data) : undefined;
        const holder = lookupKeyHolder(emu, p.lookup_key, p.transfer_lookup_key);
        const { price, extras } = buildPrice(emu, p, (existing ?? newProduct)!.id);
        Object.assign(price, { active: p.active ?? true, lookup_key: p.lookup_key ?? null, nickname: p.nickname ?? null });
        if (newProduct) {
          emu.store.insert(newProduct);
          emu.events.emit('product.created', newProduct, request);
        }
        insertPrice(emu, price, extras, request, holder);
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
    route(
      'POST',
      '/v1/prices/:id',
      {
        ...priceFields,
        tax_behavior: oneOf(['exclusive', 'inclusive', 'unspecified']).optional(),
        currency_options: emptyable(currencyOptionsParam()).optional(),
      },
      ({ params: p, path, emu, request }) => {
        const price = mustFind(emu, 'price', path.id!, 'price');
        // Stripe lets tax behaviour be chosen once: after inclusive or exclusive it is fixed.
        if (p.tax_behavior !== undefined && price.tax_behavior !== 'unspecified' && p.tax_behavior !== price.tax_behavior) {
          throw invalidRequest(
            `This price's \`tax_behavior\` is already \`${price.tax_behavior}\`: it can be set only while it is \`unspecified\`. Create a new price instead.`,
            'tax_behavior',
          );
        }
        const product = emu.store.find('product', price.product);
        if (p.active === false && product && product.default_price === price.id) {
          throw invalidRequest(
            `This price cannot be archived because it is the default price of its product (\`${product.id}\`). Set another default price on the product first.`,
            'active',
          );
        }
        const extras = priceExtras(emu.store, price.id);
        const options =
          p.currency_options === undefined || p.currency_options === ''
            ? undefined
            : currencyOptionsOf(p.currency_options, price.currency, price.billing_scheme === 'tiered', price.recurring !== null, (f) => f);
        const holder = p.lookup_key ? lookupKeyHolder(emu, p.lookup_key, p.transfer_lookup_key, price.id) : undefined;
        const before = structuredClone(price);
        if (p.lookup_key !== undefined) price.lookup_key = p.lookup_key === '' ? null : p.lookup_key;
        if (p.active !== undefined) price.active = p.active;
        if (p.nickname !== undefined) price.nickname = p.nickname === '' ? null : p.nickname;
        if (p.tax_behavior !== undefined) price.tax_behavior = p.tax_behavior;
        price.metadata = mergeMetadata(price.metadata, p.metadata);
        if (p.currency_options !== undefined) {
          const next: PriceExtras = { ...extras, currency_options: p.currency_options === '' ? undefined : { ...extras.currency_options, ...options } };
          emu.store.extras.set(price.id, next as StripeObject);
        }
        if (holder) {
          // The price that loses its lookup key changes too, as on create with transfer_lookup_key.
          const holderBefore = structuredClone(holder);
          holder.lookup_key = null;
          emu.events.emit('price.updated', holder, request, holderBefore);
        }
        if (p.currency_options !== undefined || JSON.stringify(before) !== JSON.stringify(price)) emu.events.emit('price.updated', price, request, before);
        return price;
      },
    ),
  ],
};
