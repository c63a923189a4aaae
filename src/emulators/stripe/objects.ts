// Blank Stripe objects: what a newly created test-mode object of each kind looks like before the
// emulator fills in request data. Each template has exactly the keys of Stripe's example object for
// that kind (openapi fixtures3.json; `testing/shape.ts` checks this), so SDK users see the same shape
// as from the real API. Conventions:
// - nullable things a new object does not have yet are null; lists are empty;
// - required values only the caller can know (product name, price.product, subscription.customer,
//   webhook url, event type …) are '' and must be set by the caller;
// - expanded sub-objects (item.price, subscription_item.price/plan, event.data.object) are null and
//   set by the caller; embedded lists get their conventional url and empty data.
// Every call builds new nested objects, so callers may mutate the result freely.
import { createHash } from 'node:crypto';

export type StripeObject = Record<string, any>;

export type ObjectKind =
  | 'customer'
  | 'product'
  | 'price'
  | 'plan'
  | 'checkout.session'
  | 'item'
  | 'subscription'
  | 'subscription_item'
  | 'invoice'
  | 'line_item'
  | 'invoice_payment'
  | 'payment_intent'
  | 'payment_method'
  | 'charge'
  | 'event'
  | 'webhook_endpoint';

export const OBJECT_KINDS: readonly ObjectKind[] = [
  'customer',
  'product',
  'price',
  'plan',
  'checkout.session',
  'item',
  'subscription',
  'subscription_item',
  'invoice',
  'line_item',
  'invoice_payment',
  'payment_intent',
  'payment_method',
  'charge',
  'event',
  'webhook_endpoint',
];

// The API version the installed SDK (stripe v23) pins; real events record the version they were rendered with.
const API_VERSION = '2026-10-28.endive';

// Test card 4242 4242 4242 4242, the default card of every test-mode flow.
const TEST_CARD = { brand: 'visa', country: 'US', exp_month: 12, funding: 'credit', last4: '4242' } as const;

/** Deterministic pseudo-random token derived from a seed, so the same id always yields the same value. */
function token(seed: string, length: number, alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'): string {
  const bytes = createHash('sha256').update(seed).digest();
  let out = '';
  for (let i = 0; out.length < length; i++) out += alphabet[bytes[i % bytes.length]! % alphabet.length];
  return out;
}

// Card fingerprints are per card number, not per object: one for the default test card.
const TEST_CARD_FINGERPRINT = token('card:4242424242424242', 16);

function address(): StripeObject {
  return { city: null, country: null, line1: null, line2: null, postal_code: null, state: null };
}

function billingDetails(): StripeObject {
  return { address: address(), email: null, name: null, phone: null, tax_id: null };
}

function list(url: string): StripeObject {
  return { object: 'list', data: [], has_more: false, url };
}

// Cards 'expire' a few years after the object is created, as a realistic test card would.
function expYear(created: number): number {
  return new Date(created * 1000).getUTCFullYear() + 5;
}

type Builder = (id: string, created: number) => StripeObject;

const builders: Record<ObjectKind, Builder> = {
  customer: (id, created) => ({
    address: null,
    balance: 0,
    created,
    currency: null,
    default_source: null,
    delinquent: false,
    description: null,
    discount: null,
    email: null,
    id,
    invoice_prefix: token(`invoice_prefix:${id}`, 8, '0123456789ABCDEF'),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: {},
    name: null,
    next_invoice_sequence: 1,
    object: 'customer',
    phone: null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
  }),

  product: (id, created) => ({
    active: true,
    created,
    default_price: null,
    description: null,
    id,
    images: [],
    livemode: false,
    marketing_features: [],
    metadata: {},
    name: '',
    object: 'product',
    package_dimensions: null,
    shippable: null,
    statement_descriptor: null,
    tax_code: null,
    unit_label: null,
    updated: created,
    url: null,
    // Products created through the API default to 'service'.
    type: 'service',
    // Newer than Stripe's example object: stripe-node 23 types it as present on every product.
    tax_details: null,
  }),

  price: (id, created) => ({
    active: true,
    billing_scheme: 'per_unit',
    created,
    currency: 'usd',
    custom_unit_amount: null,
    id,
    livemode: false,
    lookup_key: null,
    metadata: {},
    nickname: null,
    object: 'price',
    product: '',
    // Set by the caller for recurring prices: {interval, interval_count, meter, usage_type, trial_period_days}.
    recurring: null,
    tax_behavior: 'unspecified',
    tiers_mode: null,
    transform_quantity: null,
    type: 'one_time',
    unit_amount: null,
    unit_amount_decimal: null,
  }),

  plan: (id, created) => ({
    active: true,
    amount: null,
    amount_decimal: null,
    billing_scheme: 'per_unit',
    created,
    currency: 'usd',
    id,
    interval: 'month',
    interval_count: 1,
    livemode: false,
    metadata: {},
    meter: null,
    nickname: null,
    object: 'plan',
    product: null,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: null,
    usage_type: 'licensed',
  }),

  'checkout.session': (id, created) => ({
    after_expiration: null,
    allow_promotion_codes: null,
    amount_subtotal: null,
    amount_total: null,
    automatic_tax: { enabled: false, liability: null, status: null, provider: null },
    billing_address_collection: null,
    cancel_url: null,
    client_reference_id: null,
    // Only embedded/custom UI modes have a client secret; the default is hosted.
    client_secret: null,
    consent: null,
    consent_collection: null,
    created,
    currency: null,
    custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer: null,
    customer_creation: 'if_required',
    // Filled in when the customer completes the page.
    customer_details: null,
    customer_email: null,
    // Sessions expire after 24 hours by default.
    expires_at: created + 24 * 60 * 60,
    id,
    invoice: null,
    invoice_creation: {
      enabled: false,
      invoice_data: {
        account_tax_ids: null,
        custom_fields: null,
        description: null,
        footer: null,
        issuer: null,
        metadata: {},
        rendering_options: null,
      },
    },
    livemode: false,
    locale: null,
    metadata: {},
    mode: 'payment',
    object: 'checkout.session',
    payment_intent: null,
    payment_link: null,
    payment_method_collection: 'if_required',
    payment_method_configuration_details: null,
    payment_method_options: { card: { request_three_d_secure: 'automatic' } },
    payment_method_types: ['card'],
    payment_status: 'unpaid',
    phone_number_collection: { enabled: false },
    recovered_from: null,
    saved_payment_method_options: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: 'open',
    submit_type: null,
    subscription: null,
    success_url: null,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: 'hosted_page',
    // The hosted page's address, set by the caller.
    url: null,
    adaptive_pricing: { enabled: false },
    discounts: [],
    collected_information: null,
    permissions: null,
    wallet_options: null,
    origin_context: null,
    currency_conversion: null,
    customer_account: null,
    integration_identifier: null,
    managed_payments: null,
  }),

  // A Checkout Session line item; it has no `created`.
  item: (id) => ({
    amount_discount: 0,
    amount_subtotal: 0,
    amount_tax: 0,
    amount_total: 0,
    currency: 'usd',
    description: null,
    id,
    object: 'item',
    // The full (expanded) price object, set by the caller.
    price: null,
    quantity: 1,
    metadata: {},
    adjustable_quantity: null,
  }),

  subscription: (id, created) => ({
    application: null,
    application_fee_percent: null,
    automatic_tax: { enabled: false, liability: null, disabled_reason: null },
    billing_cycle_anchor: created,
    billing_cycle_anchor_config: null,
    cancel_at: null,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, reason: null },
    collection_method: 'charge_automatically',
    created,
    currency: 'usd',
    customer: '',
    days_until_due: null,
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    ended_at: null,
    id,
    invoice_settings: { account_tax_ids: null, issuer: { type: 'self' }, custom_fields: null, description: null, footer: null },
    items: list(`/v1/subscription_items?subscription=${id}`),
    latest_invoice: null,
    livemode: false,
    metadata: {},
    next_pending_invoice_item_invoice: null,
    object: 'subscription',
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: 'off' },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: created,
    // A new subscription stays incomplete until its first invoice is paid.
    status: 'incomplete',
    test_clock: null,
    transfer_data: null,
    trial_end: null,
    trial_settings: { end_behavior: { missing_payment_method: 'create_invoice' } },
    trial_start: null,
    cancel_at_period_end: false,
    billing_thresholds: null,
    // Flexible billing is the default for new subscriptions on current API versions.
    billing_mode: { type: 'flexible', flexible: { proration_discounts: 'included' } },
    customer_account: null,
    managed_payments: null,
    billing_schedules: [],
  }),

  subscription_item: (id, created) => ({
    created,
    discounts: [],
    id,
    metadata: {},
    object: 'subscription_item',
    // Expanded price and its legacy plan view, set by the caller.
    price: null,
    quantity: 1,
    subscription: '',
    tax_rates: [],
    plan: null,
    current_period_end: created,
    current_period_start: created,
    billing_thresholds: null,
  }),

  invoice: (id, created) => ({
    account_country: 'US',
    account_name: null,
    account_tax_ids: null,
    amount_due: 0,
    amount_paid: 0,
    amount_remaining: 0,
    amount_shipping: 0,
    application: null,
    attempt_count: 0,
    attempted: false,
    // Invoices created through the API stay drafts until finalized explicitly.
    auto_advance: false,
    automatic_tax: { enabled: false, liability: null, status: null, disabled_reason: null, provider: null },
    billing_reason: 'manual',
    collection_method: 'charge_automatically',
    created,
    currency: 'usd',
    custom_fields: null,
    customer: null,
    customer_address: null,
    customer_email: null,
    customer_name: null,
    customer_phone: null,
    customer_shipping: null,
    customer_tax_exempt: 'none',
    customer_tax_ids: [],
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    due_date: null,
    effective_at: null,
    ending_balance: null,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: null,
    id,
    invoice_pdf: null,
    issuer: { type: 'self' },
    last_finalization_error: null,
    latest_revision: null,
    lines: list(`/v1/invoices/${id}/lines`),
    livemode: false,
    metadata: {},
    next_payment_attempt: null,
    number: null,
    object: 'invoice',
    on_behalf_of: null,
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: created,
    period_start: created,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: { amount_tax_display: null, pdf: { page_size: 'auto' }, template: null, template_version: null },
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: 'draft',
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subscription: null,
    subtotal: 0,
    subtotal_excluding_tax: 0,
    test_clock: null,
    total: 0,
    total_discount_amounts: [],
    total_excluding_tax: 0,
    webhooks_delivered_at: null,
    automatically_finalizes_at: null,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    amount_overpaid: 0,
    parent: null,
    customer_account: null,
  }),

  // An invoice line item; it has no `created`, but its period defaults to the creation time given.
  line_item: (id, created) => ({
    amount: 0,
    currency: 'usd',
    description: null,
    discount_amounts: [],
    discountable: true,
    discounts: [],
    id,
    invoice: null,
    livemode: false,
    metadata: {},
    object: 'line_item',
    period: { end: created, start: created },
    quantity: 1,
    subscription: null,
    pretax_credit_amounts: [],
    taxes: [],
    parent: null,
    // Set by the caller: {type: 'price_details', price_details: {price, product}, unit_amount_decimal}.
    pricing: null,
    subtotal: 0,
    quantity_decimal: null,
  }),

  invoice_payment: (id, created) => ({
    amount_paid: null,
    amount_requested: 0,
    created,
    currency: 'usd',
    id,
    invoice: '',
    is_default: true,
    livemode: false,
    object: 'invoice_payment',
    // The caller adds the payment_intent (or charge) id beside the type.
    payment: { type: 'payment_intent' },
    status: 'open',
    status_transitions: { canceled_at: null, paid_at: null },
  }),

  payment_intent: (id, created) => ({
    // Newer than Stripe's example object: the SDK (23) has it on every payment intent; null
    // unless the intent was given `allowed_payment_method_types`.
    allowed_payment_method_types: null,
    amount: 0,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    // Null because payment_method_types is given explicitly.
    automatic_payment_methods: null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: 'automatic',
    client_secret: `${id}_secret_${token(`client_secret:${id}`, 25)}`,
    confirmation_method: 'automatic',
    created,
    currency: 'usd',
    customer: null,
    description: null,
    id,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    metadata: {},
    next_action: null,
    object: 'payment_intent',
    on_behalf_of: null,
    payment_method: null,
    payment_method_configuration_details: null,
    payment_method_options: {
      card: { installments: null, mandate_options: null, network: null, request_three_d_secure: 'automatic' },
    },
    payment_method_types: ['card'],
    processing: null,
    receipt_email: null,
    review: null,
    setup_future_usage: null,
    shipping: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: 'requires_payment_method',
    transfer_data: null,
    transfer_group: null,
    source: null,
    excluded_payment_method_types: null,
    customer_account: null,
    managed_payments: null,
  }),

  payment_method: (id, created) => ({
    allow_redisplay: 'unspecified',
    billing_details: billingDetails(),
    card: {
      brand: TEST_CARD.brand,
      // A new card's CVC has not been checked against the issuer yet.
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'unchecked' },
      country: TEST_CARD.country,
      display_brand: TEST_CARD.brand,
      exp_month: TEST_CARD.exp_month,
      exp_year: expYear(created),
      fingerprint: TEST_CARD_FINGERPRINT,
      funding: TEST_CARD.funding,
      generated_from: null,
      last4: TEST_CARD.last4,
      networks: { available: [TEST_CARD.brand], preferred: null },
      three_d_secure_usage: { supported: true },
      wallet: null,
      regulated_status: 'unregulated',
    },
    created,
    customer: null,
    id,
    livemode: false,
    metadata: {},
    object: 'payment_method',
    type: 'card',
    customer_account: null,
  }),

  // Defaults describe a successful, automatically captured card payment (the PaymentIntent default);
  // the caller sets amounts and flips status/outcome for declines.
  charge: (id, created) => ({
    amount: 0,
    amount_captured: 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: null,
    billing_details: billingDetails(),
    calculated_statement_descriptor: null,
    captured: true,
    created,
    currency: 'usd',
    customer: null,
    description: null,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: null,
    failure_message: null,
    fraud_details: {},
    id,
    livemode: false,
    metadata: {},
    object: 'charge',
    on_behalf_of: null,
    outcome: {
      advice_code: null,
      network_advice_code: null,
      network_decline_code: null,
      network_status: 'approved_by_network',
      reason: null,
      seller_message: 'Payment complete.',
      type: 'authorized',
    },
    paid: true,
    payment_intent: null,
    payment_method: null,
    payment_method_details: {
      card: {
        amount_authorized: 0,
        brand: TEST_CARD.brand,
        checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
        country: TEST_CARD.country,
        exp_month: TEST_CARD.exp_month,
        exp_year: expYear(created),
        extended_authorization: { status: 'disabled' },
        fingerprint: TEST_CARD_FINGERPRINT,
        funding: TEST_CARD.funding,
        incremental_authorization: { status: 'unavailable' },
        installments: null,
        last4: TEST_CARD.last4,
        mandate: null,
        multicapture: { status: 'unavailable' },
        network: TEST_CARD.brand,
        network_token: { used: false },
        overcapture: { maximum_amount_capturable: 0, status: 'unavailable' },
        three_d_secure: null,
        wallet: null,
        authorization_code: null,
        regulated_status: 'unregulated',
        network_transaction_id: null,
        transaction_link_id: null,
      },
      type: 'card',
    },
    receipt_email: null,
    receipt_number: null,
    receipt_url: null,
    refunded: false,
    refunds: list(`/v1/charges/${id}/refunds`),
    review: null,
    shipping: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: 'succeeded',
    transfer_data: null,
    transfer_group: null,
    source: null,
  }),

  event: (id, created) => ({
    api_version: API_VERSION,
    created,
    // A snapshot of the resource, set by the caller (plus previous_attributes on *.updated events).
    data: { object: null },
    id,
    livemode: false,
    object: 'event',
    pending_webhooks: 0,
    request: { id: null, idempotency_key: null },
    type: '',
  }),

  webhook_endpoint: (id, created) => ({
    // Null means the account's default API version.
    api_version: null,
    application: null,
    created,
    description: null,
    enabled_events: [],
    id,
    livemode: false,
    metadata: {},
    object: 'webhook_endpoint',
    status: 'enabled',
    url: '',
  }),
};

/** A new object of the given kind with `id` (and `created`, where the kind has it; default now) set. */
export function blank(kind: ObjectKind, fields: { id: string; created?: number }): StripeObject {
  const build = builders[kind];
  if (!build) throw new Error(`Unknown Stripe object kind: ${String(kind)}`);
  const created = fields.created ?? Math.floor(Date.now() / 1000);
  // Builders of kinds without `created` (item, line_item) simply do not emit it.
  return build(fields.id, created);
}

/** What Stripe returns for a deleted object, and on retrieving it afterwards. */
export function deletedStub(object: string, id: string): { id: string; object: string; deleted: true } {
  return { id, object, deleted: true };
}
