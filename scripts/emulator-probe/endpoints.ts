/**
 * THE TABLE: the endpoints a SaaS subscription + Checkout integration uses (issue 20), each with
 * the stripe-node params type its documented parameters are read from, the smallest request
 * Stripe accepts (`base`), and the overrides where a value derived from the type alone would be
 * wrong for Stripe. Adjust the list here; nothing else names an endpoint.
 *
 * The issue speaks of 21 endpoints; the list it gives has 22 distinct routes, each with its own
 * params type, and all 22 are kept: merging two (products create and update, say) would count
 * two different parameter sets as one.
 */
import type { FixtureKind, ValueContext } from './values.ts';

export type Params = Record<string, unknown>;

/**
 * What a probe may need beyond the shared fixtures: objects made for one request, on first use
 * (so the path's id and a parameter's value can name the same new subscription).
 */
export interface ProbeFixtures {
  /** A new active, paid subscription of the fixture customer: updates and cancels must not interfere. */
  freshSubscription(): Promise<{ id: string; item: string /** Its current period's start, when the server said. */; start?: number }>;
  /** A new successful payment of the fixture customer, to refund. */
  freshPayment(): Promise<{ paymentIntent: string; charge: string }>;
  /** A new customer with its own card: updates (a new `source` replaces its default) must not change the fixture customer. */
  freshCustomer(): Promise<{ id: string; paymentMethod: string }>;
  /** A new confirmation token for a test card: a token confirms one intent only. */
  freshConfirmationToken(): Promise<string>;
}

export interface Context extends ValueContext, ProbeFixtures {}

export interface Override {
  /** The value sent for the parameter itself. */
  value?: (ctx: Context) => unknown | Promise<unknown>;
  /** Other parameters this one needs (e.g. `amount_off` needs `currency`). */
  with?: (ctx: Context) => Params;
  /** Base parameters this one excludes (e.g. `product_data` replaces `product`). */
  without?: string[];
}

export interface Endpoint {
  method: 'GET' | 'POST' | 'DELETE';
  /** With `:id` where the path names an object. */
  path: string;
  /** The stripe-node type its parameters are documented by (the `Stripe.` namespace of `import type Stripe from 'stripe'`). */
  paramsType: string;
  /** The object `:id` names; called once per request, so it may make a fresh one. */
  id?: (ctx: Context) => string | Promise<string>;
  /** Parameters every request carries, on top of those the type marks required. */
  base?: (ctx: Context) => Params | Promise<Params>;
  /** What `starting_after` / `ending_before` page through, for lists. */
  listOf?: FixtureKind;
  overrides?: Record<string, Override>;
  /** Undoes what an accepted request made when it would act on later requests (webhook endpoints receive events). */
  cleanup?: (body: Params) => { method: 'DELETE'; path: string } | undefined;
}

// Checkout's modes each allow their own parameters: a payment-mode session needs one-time prices,
// a setup-mode session no line items.
const paymentMode = (ctx: Context): Params => ({ mode: 'payment', line_items: [{ price: ctx.id('one_time_price'), quantity: 1 }] });
const setupMode: Override = { with: () => ({ mode: 'setup', currency: 'usd' }), without: ['line_items'] };
const inPaymentMode: Override = { with: paymentMode };
// Embedded Checkout returns to `return_url` and has no `success_url`.
const embedded: Override = { with: () => ({ ui_mode: 'embedded_page', return_url: 'https://example.com/checkout-canary/return' }), without: ['success_url'] };
// `customer_account` (Accounts v2) replaces `customer`.
const insteadOfCustomer: Override = { without: ['customer'] };
// An intent confirmed on create needs a payment method, and no redirect-based methods so no return URL.
const confirmed: Override = {
  with: () => ({ confirm: true, payment_method: 'pm_card_visa', automatic_payment_methods: { enabled: true, allow_redirects: 'never' } }),
};
const confirmedWithRedirects: Override = { with: () => ({ confirm: true, payment_method: 'pm_card_visa' }) };
// A confirmation token confirms, with its own payment method (a fresh token each time: each is single-use).
const confirmationToken: Override = {
  value: (ctx) => ctx.freshConfirmationToken(),
  with: () => ({ confirm: true, automatic_payment_methods: { enabled: true, allow_redirects: 'never' } }),
};
// `days_until_due` applies to invoices that are sent, not charged.
const sendInvoice: Override = { with: () => ({ collection_method: 'send_invoice' }) };
const oneTimeItem = (ctx: Context) => [{ price: ctx.id('one_time_price') }];
// Tax rates are the account's own objects: the fixture's.
const taxRate: Override = { value: (ctx) => [ctx.id('tax_rate')] };
// A subscription's default source is one of its customer's: the fixture customer's card.
const customerSource: Override = { value: (ctx) => ctx.id('payment_method') };
const taxIds = () => [{ type: 'eu_vat', value: 'DE123456789' }];
// Payment method details inline: cards cannot be (raw numbers), so Stripe's test bank account.
const bankAccount = () => ({
  type: 'us_bank_account',
  us_bank_account: { account_holder_type: 'individual', account_number: '000123456789', routing_number: '110000000' },
  billing_details: { name: 'Jenny Rosen' },
});

export const ENDPOINTS: Endpoint[] = [
  {
    method: 'POST',
    path: '/v1/checkout/sessions',
    paramsType: 'Stripe.Checkout.SessionCreateParams',
    base: (ctx) => ({
      mode: 'subscription',
      line_items: [{ price: ctx.id('price'), quantity: 1 }],
      success_url: 'https://example.com/checkout-canary/success?session_id={CHECKOUT_SESSION_ID}',
    }),
    overrides: {
      customer_account: insteadOfCustomer,
      customer_creation: inPaymentMode,
      invoice_creation: inPaymentMode,
      payment_intent_data: inPaymentMode,
      shipping_options: {
        ...inPaymentMode,
        value: () => [{ shipping_rate_data: { display_name: 'Ground', type: 'fixed_amount', fixed_amount: { amount: 500, currency: 'usd' } } }],
      },
      setup_intent_data: setupMode,
      redirect_on_completion: embedded,
      return_url: embedded,
      customer_update: { with: (ctx) => ({ customer: ctx.id('customer') }) },
      custom_fields: { value: () => [{ key: 'company', label: { type: 'custom', custom: 'Company' }, type: 'text' }] },
      consent_collection: { value: () => ({ terms_of_service: 'required' }) },
      optional_items: { value: (ctx) => [{ price: ctx.id('other_price'), quantity: 1 }] },
    },
  },
  {
    method: 'POST',
    path: '/v1/customers',
    paramsType: 'Stripe.CustomerCreateParams',
    overrides: {
      payment_method: { value: () => 'pm_card_visa' }, // a test id: a new card each time
      invoice_settings: { value: () => ({ default_payment_method: 'pm_card_visa' }), with: () => ({ payment_method: 'pm_card_visa' }) },
      source: { value: () => 'tok_visa' },
      tax_id_data: { value: taxIds },
    },
  },
  {
    method: 'POST',
    path: '/v1/customers/:id',
    paramsType: 'Stripe.CustomerUpdateParams',
    id: async (ctx) => (await ctx.freshCustomer()).id,
    overrides: {
      source: { value: () => 'tok_visa' },
      // A source of the customer's own: the card attached to it.
      default_source: { value: async (ctx) => (await ctx.freshCustomer()).paymentMethod },
      invoice_settings: { value: async (ctx) => ({ default_payment_method: (await ctx.freshCustomer()).paymentMethod }) },
    },
  },
  { method: 'GET', path: '/v1/customers', paramsType: 'Stripe.CustomerListParams', listOf: 'customer' },
  {
    method: 'POST',
    path: '/v1/products',
    paramsType: 'Stripe.ProductCreateParams',
    overrides: {
      default_price_data: { value: () => ({ currency: 'usd', unit_amount: 1500 }) },
    },
  },
  {
    method: 'POST',
    path: '/v1/products/:id',
    paramsType: 'Stripe.ProductUpdateParams',
    id: (ctx) => ctx.id('product'),
  },
  {
    method: 'POST',
    path: '/v1/prices',
    paramsType: 'Stripe.PriceCreateParams',
    base: (ctx) => ({ product: ctx.id('product'), unit_amount: 1500 }),
    overrides: {
      product_data: { without: ['product'] },
      custom_unit_amount: { without: ['unit_amount'] },
      unit_amount_decimal: { without: ['unit_amount'] },
      tiers: {
        value: () => [
          { up_to: 10, unit_amount: 1500 },
          { up_to: 'inf', unit_amount: 1000 },
        ],
        with: () => ({ billing_scheme: 'tiered', tiers_mode: 'graduated', recurring: { interval: 'month' } }),
        without: ['unit_amount'],
      },
      tiers_mode: {
        with: () => ({
          billing_scheme: 'tiered',
          recurring: { interval: 'month' },
          tiers: [
            { up_to: 10, unit_amount: 1500 },
            { up_to: 'inf', unit_amount: 1000 },
          ],
        }),
        without: ['unit_amount'],
      },
      currency_options: { value: () => ({ eur: { unit_amount: 1400 } }) },
    },
  },
  {
    method: 'POST',
    path: '/v1/prices/:id',
    paramsType: 'Stripe.PriceUpdateParams',
    id: (ctx) => ctx.id('price'),
    overrides: {
      currency_options: { value: () => ({ eur: { unit_amount: 1400 } }) },
    },
  },
  {
    method: 'POST',
    path: '/v1/subscriptions',
    paramsType: 'Stripe.SubscriptionCreateParams',
    base: (ctx) => ({ customer: ctx.id('customer'), items: [{ price: ctx.id('price') }] }),
    overrides: {
      customer_account: insteadOfCustomer,
      add_invoice_items: { value: oneTimeItem },
      days_until_due: sendInvoice,
      default_tax_rates: taxRate,
      default_source: customerSource,
    },
  },
  {
    method: 'POST',
    path: '/v1/subscriptions/:id',
    paramsType: 'Stripe.SubscriptionUpdateParams',
    id: async (ctx) => (await ctx.freshSubscription()).id,
    overrides: {
      // A plan change: the subscription's one item moves to another price.
      items: { value: async (ctx) => [{ id: (await ctx.freshSubscription()).item, price: ctx.id('other_price') }] },
      add_invoice_items: { value: oneTimeItem },
      days_until_due: sendInvoice,
      default_tax_rates: taxRate,
      default_source: customerSource,
      // Stripe takes a proration date inside the current period: the subscription's own start,
      // not the probe's clock, which may be a second behind it.
      proration_date: { value: async (ctx) => (await ctx.freshSubscription()).start ?? ctx.now },
    },
  },
  {
    method: 'DELETE',
    path: '/v1/subscriptions/:id',
    paramsType: 'Stripe.SubscriptionCancelParams',
    id: async (ctx) => (await ctx.freshSubscription()).id,
  },
  { method: 'GET', path: '/v1/subscriptions', paramsType: 'Stripe.SubscriptionListParams', listOf: 'subscription' },
  { method: 'GET', path: '/v1/invoices', paramsType: 'Stripe.InvoiceListParams', listOf: 'invoice' },
  {
    method: 'GET',
    path: '/v1/events',
    paramsType: 'Stripe.EventListParams',
    listOf: 'event',
    overrides: {
      type: { value: () => 'customer.created' },
      types: { value: () => ['customer.created', 'customer.updated'] },
    },
  },
  {
    method: 'POST',
    path: '/v1/webhook_endpoints',
    paramsType: 'Stripe.WebhookEndpointCreateParams',
    base: () => ({ enabled_events: ['checkout.session.completed'] }),
    overrides: {},
    // An endpoint left behind would be sent the events of every later request.
    cleanup: (body) => (typeof body.id === 'string' ? { method: 'DELETE', path: `/v1/webhook_endpoints/${body.id}` } : undefined),
  },
  {
    method: 'POST',
    path: '/v1/billing_portal/sessions',
    paramsType: 'Stripe.BillingPortal.SessionCreateParams',
    base: (ctx) => ({ customer: ctx.id('customer'), return_url: 'https://example.com/checkout-canary/account' }),
    overrides: {
      customer_account: insteadOfCustomer,
      flow_data: { value: () => ({ type: 'payment_method_update' }) },
      // A configuration of the account's: the fixture's.
      configuration: { value: (ctx) => ctx.id('portal_configuration') },
    },
  },
  {
    method: 'POST',
    path: '/v1/refunds',
    paramsType: 'Stripe.RefundCreateParams',
    base: async (ctx) => ({ payment_intent: (await ctx.freshPayment()).paymentIntent }),
    overrides: {
      charge: { value: async (ctx) => (await ctx.freshPayment()).charge, without: ['payment_intent'] },
      amount: { value: () => 500 }, // a partial refund of the 15.00 payment
      // Refunds to the customer balance name the customer and the currency.
      origin: { with: (ctx) => ({ customer: ctx.id('customer'), currency: 'usd', amount: 500 }), without: ['payment_intent'] },
      customer: { with: () => ({ origin: 'customer_balance', currency: 'usd', amount: 500 }), without: ['payment_intent'] },
      currency: { with: (ctx) => ({ origin: 'customer_balance', customer: ctx.id('customer'), amount: 500 }), without: ['payment_intent'] },
      // Where to send refund instructions for methods that cannot refund by themselves: any refund may name one.
      instructions_email: { value: () => 'refunds@example.com' },
    },
  },
  {
    method: 'POST',
    path: '/v1/coupons',
    paramsType: 'Stripe.CouponCreateParams',
    base: () => ({ percent_off: 10, duration: 'once' }),
    overrides: {
      amount_off: { with: () => ({ currency: 'usd' }), without: ['percent_off'] },
      currency: { with: () => ({ amount_off: 500 }), without: ['percent_off'] },
      currency_options: { value: () => ({ eur: { amount_off: 400 } }), with: () => ({ amount_off: 500, currency: 'usd' }), without: ['percent_off'] },
      duration_in_months: { with: () => ({ duration: 'repeating' }) },
    },
  },
  {
    method: 'POST',
    path: '/v1/promotion_codes',
    paramsType: 'Stripe.PromotionCodeCreateParams',
    base: (ctx) => ({ promotion: { type: 'coupon', coupon: ctx.id('coupon') } }),
    overrides: {
      customer_account: insteadOfCustomer,
      restrictions: { value: () => ({ first_time_transaction: true }) },
    },
  },
  {
    method: 'POST',
    path: '/v1/test_helpers/test_clocks',
    paramsType: 'Stripe.TestHelpers.TestClockCreateParams',
    overrides: {
      // A clock for a customer that is not on one yet.
      customer: { value: (ctx) => ctx.id('customer') },
    },
  },
  {
    method: 'POST',
    path: '/v1/setup_intents',
    paramsType: 'Stripe.SetupIntentCreateParams',
    overrides: {
      customer_account: insteadOfCustomer,
      payment_method: { value: () => 'pm_card_visa' },
      confirm: confirmed,
      use_stripe_sdk: confirmed,
      mandate_data: { ...confirmed, value: () => ({ customer_acceptance: { type: 'offline' } }) },
      return_url: confirmedWithRedirects,
      single_use: { with: () => ({ usage: 'on_session' }) },
      payment_method_data: { value: bankAccount },
      confirmation_token: confirmationToken,
      // A card option any account may set (`moto`, the generated value, needs MOTO enabled by Stripe).
      payment_method_options: { value: () => ({ card: { request_three_d_secure: 'any' } }) },
    },
  },
  {
    method: 'POST',
    path: '/v1/payment_intents',
    paramsType: 'Stripe.PaymentIntentCreateParams',
    base: () => ({ amount: 2000, currency: 'usd' }),
    overrides: {
      customer_account: insteadOfCustomer,
      payment_method: { value: () => 'pm_card_visa' },
      confirm: confirmed,
      off_session: { ...confirmed, with: (ctx) => ({ ...confirmed.with!(ctx), customer: ctx.id('customer'), payment_method: ctx.id('payment_method') }) },
      error_on_requires_action: confirmed,
      use_stripe_sdk: confirmed,
      mandate_data: { ...confirmed, value: () => ({ customer_acceptance: { type: 'offline' } }) },
      return_url: confirmedWithRedirects,
      payment_method_data: { value: bankAccount },
      setup_future_usage: { value: () => 'off_session' },
      confirmation_token: confirmationToken,
    },
  },
];

/** `POST /v1/customers/:id`: the table's name for an endpoint. */
export const endpointName = (e: Pick<Endpoint, 'method' | 'path'>): string => `${e.method} ${e.path}`;
