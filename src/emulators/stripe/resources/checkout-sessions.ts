/**
 * Checkout sessions: creation (validated as Stripe does), retrieval, listing, line items, expiry.
 * A `payment` or `subscription` session charges its line items (plus, in `payment` mode, the
 * selected shipping option); a `setup` session saves a card, with the SetupIntent it makes.
 */
import { z } from 'zod';
import { route, type Emulator, type ResourceModule } from '../context.ts';
import { invalidRequest } from '../errors.ts';
import { newId, randomToken } from '../ids.ts';
import { listEnvelope, paginate, paginateInOrder } from '../lists.ts';
import { blank } from '../objects.ts';
import { arrayOf, bool, cursorParams, decimal, int, listParams, metadata, mergeMetadata, nonEmpty, oneOf, str } from '../params.ts';
import { CURRENCY } from '../money.ts';
import type { RequestInfo } from '../events.ts';
import type { StripeObject } from '../store.ts';
import { checkEmail, customerAccountUnsupported, mustFind, mustFindParam } from './shared.ts';
import { accountVariant, dashboardMethods, layoutFor } from '../checkout-page/variants.ts';
import { applyDiscount, resolveDiscountParam } from './checkout-discounts.ts';
import {
  echoOptions,
  optionParams,
  storedSubscriptionData,
  subscriptionDataParam,
  validateOptions,
  validateSubscriptionData,
} from './checkout-session-options.ts';
import { planShipping, shippingFields, shippingOptionsParam, storeShippingRates, type PlannedShipping } from './checkout-shipping.ts';
import { cancelSessionSetup, newSessionSetupIntent, setupIntentDataParam, validateSetupIntentData } from './checkout-setup.ts';
import { configurationDetails, defaultPaymentMethodConfiguration, findPaymentMethodConfiguration } from './payment-method-configurations.ts';
import { resolveTaxRates } from './tax-rates.ts';

const HOUR = 3600;

/**
 * The payment method types `allowed_payment_method_types` and `excluded_payment_method_types`
 * take (the SDK's lists at this API version; `link` cannot be excluded). Since 2026-09-30 a
 * session's methods are the account's (dynamic payment methods, set in the Dashboard; here the
 * account-wide variant of /_emulator/checkout-page), filtered by those two.
 */
const METHOD_TYPES = [
  'acss_debit',
  'affirm',
  'afterpay_clearpay',
  'alipay',
  'alma',
  'amazon_pay',
  'au_becs_debit',
  'bacs_debit',
  'bancontact',
  'billie',
  'bizum',
  'blik',
  'boleto',
  'card',
  'cashapp',
  'crypto',
  'customer_balance',
  'eps',
  'fpx',
  'giropay',
  'grabpay',
  'ideal',
  'kakao_pay',
  'klarna',
  'konbini',
  'kr_card',
  'link',
  'mb_way',
  'mobilepay',
  'multibanco',
  'naver_pay',
  'nz_bank_account',
  'oxxo',
  'p24',
  'pay_by_bank',
  'payco',
  'paynow',
  'paypal',
  'paypay',
  'payto',
  'pix',
  'promptpay',
  'revolut_pay',
  'samsung_pay',
  'satispay',
  'scalapay',
  'sepa_debit',
  'sequra',
  'sofort',
  'sunbit',
  'swish',
  'twint',
  'upi',
  'us_bank_account',
  'wechat_pay',
  'zip',
] as const;
const EXCLUDABLE_TYPES = METHOD_TYPES.filter((t) => t !== 'link') as unknown as readonly [string, ...string[]];

/** An inline price (`line_items[][price_data]`), made when the session is. */
const priceData = z.strictObject({
  currency: str(3),
  unit_amount: int(0, 99999999).optional(),
  unit_amount_decimal: decimal().optional(),
  recurring: z.strictObject({ interval: oneOf(['day', 'week', 'month', 'year']), interval_count: int(1, 365).optional() }).optional(),
  product: str().optional(),
  product_data: z
    .strictObject({
      name: nonEmpty(250),
      description: str(40000).optional(),
      images: arrayOf(str(2048), 8).optional(),
      metadata: metadata().optional(),
      tax_code: str().optional(),
      unit_label: str(12).optional(),
    })
    .optional(),
  tax_behavior: oneOf(['exclusive', 'inclusive', 'unspecified']).optional(),
});
type PriceData = z.output<typeof priceData>;

const lineItem = z.strictObject({
  price: str().optional(),
  price_data: priceData.optional(),
  quantity: int(1, 999999).optional(),
  metadata: metadata().optional(),
  tax_rates: arrayOf(str()).optional(),
  adjustable_quantity: z.strictObject({ enabled: bool(), maximum: int(1, 999999).optional(), minimum: int(0, 999999).optional() }).optional(),
});

const createParams = {
  ...optionParams,
  mode: oneOf(['payment', 'setup', 'subscription']),
  line_items: arrayOf(lineItem, 100).optional(),
  discounts: arrayOf(z.strictObject({ coupon: str().optional(), promotion_code: str().optional() }), 20).optional(),
  success_url: str(5000).optional(),
  cancel_url: str(5000).optional(),
  customer: str().optional(),
  customer_email: str(800).optional(),
  customer_creation: oneOf(['always', 'if_required']).optional(),
  customer_update: z
    .strictObject({
      address: oneOf(['auto', 'never']).optional(),
      name: oneOf(['auto', 'never']).optional(),
      shipping: oneOf(['auto', 'never']).optional(),
    })
    .optional(),
  client_reference_id: str(200).optional(),
  metadata: metadata().optional(),
  subscription_data: subscriptionDataParam.optional(),
  payment_intent_data: z.strictObject({ metadata: metadata().optional(), description: str(1000).optional() }).optional(),
  expires_at: int().optional(),
  allowed_payment_method_types: arrayOf(oneOf(METHOD_TYPES)).optional(),
  excluded_payment_method_types: arrayOf(oneOf(EXCLUDABLE_TYPES)).optional(),
  locale: str(10).optional(),
  allow_promotion_codes: bool().optional(),
  billing_address_collection: oneOf(['auto', 'required']).optional(),
  // The values of the SDK's API version (2026-10-28), and `hosted` of the versions before it.
  ui_mode: oneOf(['hosted_page', 'hosted', 'embedded_page', 'elements', 'form']).optional(),
  submit_type: oneOf(['auto', 'book', 'donate', 'pay', 'subscribe']).optional(),
  setup_intent_data: setupIntentDataParam.optional(),
  shipping_options: shippingOptionsParam.optional(),
  /** Set on the payment method the page creates (Checkout's own choice otherwise: `unspecified` here). */
  payment_method_data: z.strictObject({ allow_redisplay: oneOf(['always', 'limited', 'unspecified']).optional() }).optional(),
  /** A payment method configuration's id: it must exist, be active and offer cards (findPaymentMethodConfiguration, in validate). */
  payment_method_configuration: str(100).optional(),
  customer_account: str().optional(),
  managed_payments: z.strictObject({ enabled: bool() }).optional(),
};

type CreateParams = z.output<z.ZodObject<typeof createParams>>;

/**
 * The session's payment methods: the account's, kept to `allowed_payment_method_types` or
 * without `excluded_payment_method_types`, as Stripe filters its dynamic payment methods. The
 * emulator's page pays by card, so a session left without one is refused, naming the filter.
 */
function sessionMethods(account: string[], p: CreateParams): string[] {
  const allowed = p.allowed_payment_method_types;
  const excluded = p.excluded_payment_method_types;
  const methods = account.filter((m) => (!allowed || allowed.includes(m as never)) && !excluded?.includes(m));
  if (!methods.includes('card')) {
    const param = allowed ? 'allowed_payment_method_types' : 'excluded_payment_method_types';
    throw invalidRequest(
      `\`${param}\` leaves this session no card, and the emulator's page pays by card only (the account offers ${account.join(', ')}); keep \`card\`.`,
      param,
    );
  }
  return methods;
}

const HOSTED_UI_MODES = new Set(['hosted_page', 'hosted']);

/** A line item's price: a stored one, or an inline one (with its inline product) not yet stored. */
interface PlannedItem {
  price: StripeObject;
  quantity: number;
  /** Made from `price_data` (and `product_data`): stored once every check has passed. */
  inline?: { price: StripeObject; product: StripeObject | null };
}

/**
 * An inline price as Stripe makes one from `price_data`: a price of its own, created inactive
 * (it belongs to this session and cannot be reused), for an existing product or for one made
 * from `product_data`. Checked here; nothing is stored.
 */
function plannedInlinePrice(emu: Emulator, d: PriceData, param: string, mode: string, now: number): PlannedItem['inline'] & {} {
  const currency = d.currency.toLowerCase();
  if (!CURRENCY.test(currency)) throw invalidRequest(`Invalid currency: ${d.currency}`, `${param}[currency]`);
  if (d.product !== undefined && d.product_data !== undefined) {
    throw invalidRequest('You may only specify one of these parameters: product, product_data.', `${param}[product_data]`);
  }
  if (d.product === undefined && d.product_data === undefined) {
    throw invalidRequest(`Missing required param: ${param}[product_data].`, `${param}[product_data]`, 'parameter_missing');
  }
  if (d.unit_amount !== undefined && d.unit_amount_decimal !== undefined) {
    throw invalidRequest('You may only specify one of these parameters: unit_amount, unit_amount_decimal.', `${param}[unit_amount_decimal]`);
  }
  if (d.unit_amount === undefined && d.unit_amount_decimal === undefined) {
    throw invalidRequest(`Missing required param: ${param}[unit_amount].`, `${param}[unit_amount]`, 'parameter_missing');
  }
  if (d.unit_amount_decimal !== undefined && (!Number.isInteger(d.unit_amount_decimal) || d.unit_amount_decimal < 0)) {
    throw invalidRequest(
      `\`${param}[unit_amount_decimal]\` is ${d.unit_amount_decimal}: the emulator charges whole units of the currency's smallest unit; give a whole, non-negative number (or \`unit_amount\`).`,
      `${param}[unit_amount_decimal]`,
    );
  }
  if (d.recurring && mode === 'payment') {
    throw invalidRequest(
      'You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.',
      `${param}[recurring]`,
    );
  }
  let product: StripeObject | null = null;
  let productId: string;
  if (d.product !== undefined) {
    productId = mustFindParam(emu, 'product', d.product, 'product', `${param}[product]`).id;
  } else {
    const pd = d.product_data!;
    product = blank('product', { id: newId('product'), created: now });
    Object.assign(product, {
      name: pd.name,
      description: pd.description ?? null,
      images: pd.images ?? [],
      metadata: mergeMetadata({}, pd.metadata),
      tax_code: pd.tax_code ?? null,
      unit_label: pd.unit_label ?? null,
      updated: now,
    });
    productId = product.id;
  }
  const amount = d.unit_amount ?? d.unit_amount_decimal!;
  const price = blank('price', { id: newId('price'), created: now });
  Object.assign(price, {
    active: false,
    currency,
    product: productId,
    recurring: d.recurring
      ? { interval: d.recurring.interval, interval_count: d.recurring.interval_count ?? 1, meter: null, trial_period_days: null, usage_type: 'licensed' }
      : null,
    tax_behavior: d.tax_behavior ?? 'unspecified',
    type: d.recurring ? 'recurring' : 'one_time',
    unit_amount: amount,
    unit_amount_decimal: String(amount),
  });
  return { price, product };
}

/** What a session is made of, once every check has passed. */
interface Planned {
  items: PlannedItem[];
  customer: StripeObject | null;
  /** The line items' currency, or `currency` in `setup` mode. */
  currency: string;
  shipping: PlannedShipping | null;
  /** `payment_method_configuration`'s configuration, when the session names one. */
  configuration: StripeObject | null;
}

/**
 * Tax rates named on a session must exist, as on Stripe; the emulator's Checkout does not add
 * them to the page's total or the first invoice, so an existing one is refused with why, rather
 * than the session charging less than Stripe would.
 */
function refuseTaxRates(emu: Emulator, p: CreateParams): void {
  const named: [string[], string][] = [
    [p.subscription_data?.default_tax_rates ?? [], 'subscription_data[default_tax_rates]'],
    ...(p.line_items ?? []).map((item, i): [string[], string] => [item.tax_rates ?? [], `line_items[${i}][tax_rates]`]),
  ];
  for (const [ids, param] of named) {
    if (ids.length === 0) continue;
    resolveTaxRates(emu, ids, param);
    throw invalidRequest(
      `The emulator's Checkout does not apply tax rates yet (its page and first invoice would leave the tax out), so \`${param}\` is refused: leave it out, or add the rates to the subscription after Checkout.`,
      param,
    );
  }
}

/** Parameters a `setup` session cannot take: it has no line items and charges nothing. */
const NOT_IN_SETUP = [
  'line_items',
  'discounts',
  'allow_promotion_codes',
  'payment_intent_data',
  'subscription_data',
  'submit_type',
  'saved_payment_method_options',
] as const;

/** Everything Stripe checks before it creates a session, in one place, before any change. */
function validate(emu: Emulator, p: CreateParams, now: number): Planned {
  if (p.ui_mode && !HOSTED_UI_MODES.has(p.ui_mode)) {
    throw invalidRequest(
      `The emulator serves the hosted Checkout page only (\`ui_mode=hosted_page\`); \`ui_mode=${p.ui_mode}\` (an embedded or custom form on your own page) is not supported.`,
      'ui_mode',
    );
  }
  if (p.customer_account !== undefined) {
    throw customerAccountUnsupported(p.customer_account);
  }
  if (p.managed_payments?.enabled) {
    throw invalidRequest(
      'Managed Payments (Stripe as the merchant of record) is not supported by the emulator; leave `managed_payments[enabled]` false.',
      'managed_payments[enabled]',
    );
  }
  // A configuration must exist, be active and offer cards (the one method the page takes). Without
  // one, the account's methods are its default configuration's, unless an allowed list picks them.
  const configuration =
    p.payment_method_configuration !== undefined
      ? findPaymentMethodConfiguration(emu, p.payment_method_configuration)
      : p.allowed_payment_method_types
        ? null
        : defaultPaymentMethodConfiguration(emu);
  if (p.mode === 'setup') {
    for (const key of NOT_IN_SETUP) {
      if (p[key] !== undefined) throw invalidRequest(`You can not pass \`${key}\` in \`setup\` mode.`, key);
    }
    // Dynamic payment methods need the currency to choose them by (Stripe's setup-mode guide).
    if (p.currency === undefined && !p.allowed_payment_method_types) {
      throw invalidRequest('`currency` is required in `setup` mode when `allowed_payment_method_types` is not set.', 'currency', 'parameter_missing');
    }
  } else if (!p.line_items?.length) {
    throw invalidRequest(`\`line_items\` is required in \`${p.mode}\` mode.`, 'line_items', 'parameter_missing');
  }
  validateSetupIntentData(p.setup_intent_data, p.mode);
  if (p.customer && p.customer_email) {
    throw invalidRequest('You may only specify one of these parameters: customer, customer_email.', 'customer_email');
  }
  if (p.allow_promotion_codes !== undefined && p.discounts !== undefined) {
    throw invalidRequest('You may only specify one of these parameters: allow_promotion_codes, discounts.', 'discounts');
  }
  if (p.customer_update && !p.customer) {
    throw invalidRequest('`customer_update` can only be used with `customer`.', 'customer_update');
  }
  if (p.allowed_payment_method_types && p.excluded_payment_method_types) {
    throw invalidRequest(
      'You may only specify one of these parameters: allowed_payment_method_types, excluded_payment_method_types.',
      'excluded_payment_method_types',
    );
  }
  if (p.customer_creation && p.mode === 'subscription') {
    throw invalidRequest('`customer_creation` can only be used in `payment` and `setup` mode.', 'customer_creation');
  }
  checkEmail(p.customer_email, 'customer_email');
  const customer = p.customer ? mustFindParam(emu, 'customer', p.customer, 'customer', 'customer') : null;
  const lineItems = p.line_items ?? [];
  const items: PlannedItem[] = lineItems.map((li, i) => {
    const param = `line_items[${i}]`;
    if (li.price !== undefined && li.price_data !== undefined) {
      throw invalidRequest('You may only specify one of these parameters: price, price_data.', `${param}[price_data]`);
    }
    if (li.price_data) {
      const inline = plannedInlinePrice(emu, li.price_data, `${param}[price_data]`, p.mode, now);
      return { price: inline.price, quantity: li.quantity ?? 1, inline };
    }
    if (li.price === undefined) throw invalidRequest(`Missing required param: ${param}[price].`, `${param}[price]`, 'parameter_missing');
    const price = mustFindParam(emu, 'price', li.price, 'price', `${param}[price]`);
    if (!price.active) throw invalidRequest(`The price \`${price.id}\` is not active.`, `${param}[price]`);
    return { price, quantity: li.quantity ?? 1 };
  });
  if (lineItems.some((li) => li.quantity === undefined)) {
    const i = lineItems.findIndex((li) => li.quantity === undefined);
    throw invalidRequest('Quantity is required. Add `quantity` to `line_items[' + i + ']`', `line_items[${i}][quantity]`, 'parameter_missing');
  }
  const recurring = items.filter((x) => x.price.type === 'recurring');
  if (p.mode === 'subscription' && recurring.length === 0) {
    throw invalidRequest('You must provide at least one recurring price in `subscription` mode when using prices.', 'line_items');
  }
  if (p.mode === 'payment' && recurring.length > 0) {
    throw invalidRequest(
      'You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.',
      'line_items',
    );
  }
  if (new Set(items.map((x) => x.price.currency)).size > 1) {
    throw invalidRequest('All prices must be in the same currency.', 'line_items');
  }
  if (p.subscription_data && p.mode !== 'subscription') {
    throw invalidRequest(`You can not pass \`subscription_data\` in \`${p.mode}\` mode.`, 'subscription_data');
  }
  if (p.payment_intent_data && p.mode !== 'payment') {
    throw invalidRequest(`You can not pass \`payment_intent_data\` in \`${p.mode}\` mode.`, 'payment_intent_data');
  }
  if (p.expires_at !== undefined) {
    if (p.expires_at < now + 30 * 60) {
      throw invalidRequest('The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.', 'expires_at');
    }
    if (p.expires_at > now + 24 * HOUR) {
      throw invalidRequest('The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.', 'expires_at');
    }
  }
  validateSubscriptionData(p.subscription_data, now);
  refuseTaxRates(emu, p);
  const currency = items[0]?.price.currency ?? (p.currency ?? 'usd').toLowerCase();
  if (!CURRENCY.test(currency)) throw invalidRequest(`Invalid currency: ${p.currency}`, 'currency');
  validateOptions(p, {
    mode: p.mode,
    now,
    currency,
    hosted: true,
    findPrice: (id, param) => {
      const price = mustFindParam(emu, 'price', id, 'price', param);
      if (!price.active) throw invalidRequest(`The price \`${price.id}\` is not active.`, param);
      return price;
    },
  });
  for (const key of ['success_url', 'cancel_url'] as const) {
    const url = p[key];
    if (url !== undefined && !/^https?:\/\/[^\s]+$/.test(url)) {
      throw invalidRequest(`Not a valid URL`, key, 'url_invalid');
    }
  }
  const shipping = planShipping(emu, p.shipping_options, { mode: p.mode, currency, now });
  return { items, customer, currency, shipping, configuration };
}

export function expireSession(emu: Emulator, session: StripeObject, request: RequestInfo): void {
  session.status = 'expired';
  session.url = null;
  cancelSessionSetup(emu, session, request);
  // Only *.updated events carry previous_attributes.
  emu.events.emit('checkout.session.expired', session, request);
}

/** Sessions whose `expires_at` the emulator's clock has passed expire, with their event. */
export function expireDueSessions(emu: Emulator): void {
  const now = emu.clock.now();
  for (const session of emu.store.all('checkout.session')) {
    if (session.status === 'open' && session.expires_at <= now) {
      expireSession(emu, session, { id: null, idempotency_key: null });
    }
  }
}

function lineItems(emu: Emulator, session: StripeObject): StripeObject[] {
  return structuredClone(emu.store.sessionItems.get(session.id) ?? []);
}

export const checkoutSessions: ResourceModule = {
  includables: {
    'checkout.session': {
      line_items: (s, store) => {
        const items = store.sessionItems.get(s.id) ?? [];
        return listEnvelope(structuredClone(items.slice(0, 10)), items.length > 10, `/v1/checkout/sessions/${s.id}/line_items`);
      },
    },
  },
  routes: [
    route('POST', '/v1/checkout/sessions', createParams, ({ params: p, emu, request }) => {
      const now = emu.clock.now();
      const { items, customer, currency, shipping, configuration } = validate(emu, p, now);
      const id = newId('checkout.session');
      const session = blank('checkout.session', { id, created: now });
      const setup = p.mode === 'setup';
      const lines = items.map(({ price, quantity, inline }) => {
        const li = blank('item', { id: newId('item') });
        const amount = price.unit_amount * quantity;
        Object.assign(li, {
          amount_discount: 0,
          amount_subtotal: amount,
          amount_tax: 0,
          amount_total: amount,
          currency,
          description: (inline?.product ?? emu.store.get(price.product))?.name ?? null,
          price: structuredClone(price),
          quantity,
        });
        return li;
      });
      const total = lines.reduce((n, li) => n + li.amount_total, 0);
      const variant = accountVariant(emu);
      // The account's payment methods, filtered by the session (the static list is gone from requests).
      const methods = sessionMethods(dashboardMethods(variant), p);
      const discount = resolveDiscountParam(emu, p.discounts ?? [], customer?.id ?? null, total, currency);
      Object.assign(session, {
        // A setup session charges nothing: no amounts at all.
        amount_subtotal: setup ? null : total,
        amount_total: setup ? null : total,
        cancel_url: p.cancel_url ?? null,
        client_reference_id: p.client_reference_id ?? null,
        // A setup session without `currency` (given `allowed_payment_method_types`) has none.
        currency: setup ? (p.currency?.toLowerCase() ?? null) : currency,
        customer: customer?.id ?? null,
        customer_creation: customer ? null : p.mode === 'subscription' ? 'always' : (p.customer_creation ?? 'if_required'),
        customer_email: p.customer_email ?? null,
        expires_at: p.expires_at ?? now + 24 * HOUR,
        locale: p.locale ?? null,
        allow_promotion_codes: p.allow_promotion_codes ?? null,
        billing_address_collection: p.billing_address_collection ?? null,
        metadata: mergeMetadata({}, p.metadata),
        mode: p.mode,
        payment_method_types: methods,
        payment_status: setup ? 'no_payment_required' : 'unpaid',
        status: 'open',
        submit_type: p.submit_type ?? null,
        success_url: p.success_url ? p.success_url.replaceAll('{CHECKOUT_SESSION_ID}', id) : null,
        ui_mode: p.ui_mode === 'hosted' ? 'hosted' : 'hosted_page',
        url: `${emu.baseUrl()}/c/pay/${id}#${randomToken(40)}`,
      });
      Object.assign(session, echoOptions(p, { businessName: 'checkout-canary emulator' }));
      if (configuration) session.payment_method_configuration_details = configurationDetails(configuration);
      const { amount_shipping, ...shippingOnSession } = shippingFields(shipping);
      Object.assign(session, shippingOnSession);
      if (setup) {
        session.total_details = null;
      } else {
        session.total_details = { amount_discount: 0, amount_shipping, amount_tax: 0 };
        applyDiscount(emu, session, lines, discount);
      }
      // Every check has passed: the inline products and prices are made now, with their events.
      for (const { inline } of items) {
        if (!inline) continue;
        if (inline.product) {
          emu.store.insert(inline.product);
          emu.events.emit('product.created', inline.product, request);
        }
        emu.store.insert(inline.price);
        emu.events.emit('price.created', inline.price, request);
      }
      storeShippingRates(emu, shipping);
      if (setup) {
        const si = emu.store.insert(newSessionSetupIntent(emu, id, customer?.id ?? null, p.setup_intent_data));
        emu.events.emit('setup_intent.created', si, request);
        session.setup_intent = si.id;
      }
      emu.store.insert(session);
      emu.store.sessionItems.set(id, lines);
      emu.store.sessionOptions.set(id, {
        subscription_metadata: mergeMetadata({}, p.subscription_data?.metadata),
        subscription_description: p.subscription_data?.description ?? null,
        // The rest of subscription_data (trial, anchor, tax rates…), for the subscription the page creates.
        subscription_data: storedSubscriptionData(p.subscription_data),
        payment_intent_metadata: mergeMetadata({}, p.payment_intent_data?.metadata),
        payment_intent_description: p.payment_intent_data?.description ?? null,
        customer_update: { address: p.customer_update?.address ?? 'never', name: p.customer_update?.name ?? 'never' },
        // Set on the payment method the page creates.
        payment_method_allow_redisplay: p.payment_method_data?.allow_redisplay ?? null,
        // What the hosted page shows, fixed now as the account's settings stand.
        page_layout: layoutFor(session, variant),
      });
      return session;
    }),

    route(
      'GET',
      '/v1/checkout/sessions',
      {
        ...listParams,
        customer: str().optional(),
        payment_intent: str().optional(),
        subscription: str().optional(),
        status: oneOf(['open', 'complete', 'expired']).optional(),
        customer_details: z.strictObject({ email: str(800) }).optional(),
      },
      ({ params: p, emu }) => {
        expireDueSessions(emu);
        const email = p.customer_details?.email;
        const all = emu.store
          .all('checkout.session')
          .filter(
            (s) =>
              (p.customer === undefined || s.customer === p.customer) &&
              (email === undefined || s.customer_details?.email === email) &&
              (p.payment_intent === undefined || s.payment_intent === p.payment_intent) &&
              (p.subscription === undefined || s.subscription === p.subscription) &&
              (p.status === undefined || s.status === p.status),
          );
        return paginate(all, p, '/v1/checkout/sessions', 'checkout.session');
      },
    ),

    route('GET', '/v1/checkout/sessions/:id', {}, ({ path, emu }) => {
      expireDueSessions(emu);
      return mustFind(emu, 'checkout.session', path.id!, 'checkout.session');
    }),

    route('GET', '/v1/checkout/sessions/:id/line_items', cursorParams, ({ params: p, path, emu }) => {
      const session = mustFind(emu, 'checkout.session', path.id!, 'checkout.session');
      // Line items keep the order they were given in, unlike most lists.
      return paginateInOrder(lineItems(emu, session), p, `/v1/checkout/sessions/${session.id}/line_items`, 'line item');
    }),

    route('POST', '/v1/checkout/sessions/:id/expire', {}, ({ path, emu, request }) => {
      expireDueSessions(emu);
      const session = mustFind(emu, 'checkout.session', path.id!, 'checkout.session');
      if (session.status !== 'open') {
        throw invalidRequest(
          // Stripe's exact wording (integrations match it): the status in backticks.
          `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of \`${session.status}\`.`,
          undefined,
          'checkout_session_not_open',
        );
      }
      expireSession(emu, session, request);
      return session;
    }),

    route('POST', '/v1/checkout/sessions/:id', { metadata: metadata().optional() }, ({ params: p, path, emu }) => {
      const session = mustFind(emu, 'checkout.session', path.id!, 'checkout.session');
      session.metadata = mergeMetadata(session.metadata, p.metadata);
      return session;
    }),
  ],
};
