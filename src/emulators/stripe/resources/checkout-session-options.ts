/**
 * The Checkout session parameters the emulator accepts, checks and returns on the session as
 * Stripe shows them, without behaviour of their own beyond what the hosted page shows (the phone
 * number, custom fields, custom text): automatic tax (always 0 here), consent, tax ids, shipping
 * address, invoice creation, branding, and the like; and `subscription_data`, kept for the
 * subscription the page creates.
 */
import { z } from 'zod';
import { invalidRequest } from '../errors.ts';
import { arrayOf, bool, decimal, int, metadata, nonEmpty, oneOf, str } from '../params.ts';
import type { StripeObject } from '../store.ts';

const HOUR = 3600;

/** Values that Stripe lets a client send as `''` to mean "unset" (`Emptyable`). */
const emptyable = <T extends z.ZodType>(schema: T) => z.union([z.literal(''), schema]);

const message = z.strictObject({ message: str(1200) });

const customFieldParam = z.strictObject({
  key: str(200).regex(/^[A-Za-z0-9]+$/, { error: 'Invalid {param}: use only letters and digits' }),
  label: z.strictObject({ type: oneOf(['custom']), custom: str(50) }),
  type: oneOf(['dropdown', 'numeric', 'text']),
  optional: bool().optional(),
  dropdown: z
    .strictObject({
      default_value: str(100).optional(),
      options: arrayOf(z.strictObject({ label: str(100), value: str(100).regex(/^[A-Za-z0-9]+$/) }), 200),
    })
    .optional(),
  numeric: z.strictObject({ default_value: str(255).optional(), maximum_length: int(1, 255).optional(), minimum_length: int(1, 255).optional() }).optional(),
  text: z.strictObject({ default_value: str(255).optional(), maximum_length: int(1, 255).optional(), minimum_length: int(1, 255).optional() }).optional(),
});
export type CustomFieldParam = z.output<typeof customFieldParam>;

const liability = z.strictObject({ type: oneOf(['account', 'self']), account: str().optional() });
const invoiceSettings = z.strictObject({
  account_tax_ids: emptyable(arrayOf(str())).optional(),
  custom_fields: emptyable(arrayOf(z.strictObject({ name: str(40), value: str(140) }), 4)).optional(),
  description: str(1500).optional(),
  footer: str(5000).optional(),
  issuer: liability.optional(),
});
const image = z.strictObject({ type: oneOf(['file', 'url']), file: str().optional(), url: str(5000).optional() });

/** Parameters of `POST /v1/checkout/sessions` this module handles (merged into the route's). */
export const optionParams = {
  automatic_tax: z.strictObject({ enabled: bool(), liability: liability.optional() }).optional(),
  payment_method_collection: oneOf(['always', 'if_required']).optional(),
  consent_collection: z
    .strictObject({
      payment_method_reuse_agreement: z.strictObject({ position: oneOf(['auto', 'hidden']) }).optional(),
      promotions: oneOf(['auto', 'none']).optional(),
      terms_of_service: oneOf(['none', 'required']).optional(),
    })
    .optional(),
  phone_number_collection: z.strictObject({ enabled: bool() }).optional(),
  custom_fields: arrayOf(customFieldParam, 3).optional(),
  custom_text: z
    .strictObject({
      after_submit: emptyable(message).optional(),
      shipping_address: emptyable(message).optional(),
      submit: emptyable(message).optional(),
      terms_of_service_acceptance: emptyable(message).optional(),
    })
    .optional(),
  tax_id_collection: z.strictObject({ enabled: bool(), required: oneOf(['if_supported', 'never']).optional() }).optional(),
  shipping_address_collection: z.strictObject({ allowed_countries: arrayOf(str(2).regex(/^[A-Z]{2}$/), 250) }).optional(),
  invoice_creation: z
    .strictObject({
      enabled: bool(),
      invoice_data: invoiceSettings
        .extend({
          metadata: metadata().optional(),
          rendering_options: emptyable(
            z.strictObject({ amount_tax_display: emptyable(oneOf(['exclude_tax', 'include_inclusive_tax'])).optional(), template: str().optional() }),
          ).optional(),
        })
        .optional(),
    })
    .optional(),
  after_expiration: z.strictObject({ recovery: z.strictObject({ enabled: bool(), allow_promotion_codes: bool().optional() }).optional() }).optional(),
  currency: str(3).optional(),
  saved_payment_method_options: z
    .strictObject({
      allow_redisplay_filters: arrayOf(oneOf(['always', 'limited', 'unspecified'])).optional(),
      payment_method_remove: oneOf(['disabled', 'enabled']).optional(),
      payment_method_save: oneOf(['disabled', 'enabled']).optional(),
    })
    .optional(),
  /** Per payment method options; the emulator pays by card, and keeps the rest as given. */
  payment_method_options: z.record(str(40), z.record(z.string(), z.unknown())).optional(),
  return_url: str(5000).optional(),
  redirect_on_completion: oneOf(['always', 'if_required', 'never']).optional(),
  name_collection: z
    .strictObject({
      business: z.strictObject({ enabled: bool(), optional: bool().optional() }).optional(),
      individual: z.strictObject({ enabled: bool(), optional: bool().optional() }).optional(),
    })
    .optional(),
  optional_items: arrayOf(
    z.strictObject({
      price: str(),
      quantity: int(0, 99),
      adjustable_quantity: z.strictObject({ enabled: bool(), maximum: int(1, 999999).optional(), minimum: int(0, 999999).optional() }).optional(),
    }),
    10,
  ).optional(),
  adaptive_pricing: z.strictObject({ enabled: bool().optional() }).optional(),
  branding_settings: z
    .strictObject({
      background_color: emptyable(str(7)).optional(),
      border_style: emptyable(oneOf(['pill', 'rectangular', 'rounded'])).optional(),
      button_color: emptyable(str(7)).optional(),
      display_name: str(100).optional(),
      font_family: emptyable(str(40)).optional(),
      icon: image.optional(),
      logo: image.optional(),
    })
    .optional(),
  wallet_options: z.strictObject({ link: z.strictObject({ display: oneOf(['auto', 'never']).optional() }).optional() }).optional(),
  origin_context: oneOf(['mobile_app', 'web']).optional(),
  integration_identifier: str(200).optional(),
  permissions: z.strictObject({ update_shipping_details: oneOf(['client_only', 'server_only']).optional() }).optional(),
};

/** `subscription_data`, checked here and kept with the session for the subscription it creates. */
export const subscriptionDataParam = z.strictObject({
  metadata: metadata().optional(),
  description: str(500).optional(),
  trial_period_days: int(1, 730).optional(),
  trial_end: int().optional(),
  trial_settings: z.strictObject({ end_behavior: z.strictObject({ missing_payment_method: oneOf(['cancel', 'create_invoice', 'pause']) }) }).optional(),
  billing_cycle_anchor: int().optional(),
  proration_behavior: oneOf(['create_prorations', 'none']).optional(),
  default_tax_rates: arrayOf(nonEmpty()).optional(),
  invoice_settings: invoiceSettings.optional(),
  billing_mode: z
    .strictObject({
      type: oneOf(['classic', 'flexible']),
      flexible: z.strictObject({ proration_discounts: oneOf(['included', 'itemized']).optional() }).optional(),
    })
    .optional(),
  pending_invoice_item_interval: z.strictObject({ interval: oneOf(['day', 'week', 'month', 'year']), interval_count: int(1, 365).optional() }).optional(),
  application_fee_percent: decimal().optional(),
});
export type SubscriptionDataParam = z.output<typeof subscriptionDataParam>;

type OptionParams = { [K in keyof typeof optionParams]?: z.output<(typeof optionParams)[K]> };

interface Context {
  mode: 'payment' | 'setup' | 'subscription';
  now: number;
  /** The line items' currency. */
  currency: string;
  hosted: boolean;
  /** Active prices only (optional items), or the 400 naming the parameter. */
  findPrice: (id: string, param: string) => StripeObject;
}

/** Stripe's checks of these parameters, before anything is created. */
export function validateOptions(p: OptionParams, ctx: Context): void {
  if (ctx.hosted) {
    for (const key of ['return_url', 'redirect_on_completion'] as const) {
      if (p[key] !== undefined) {
        throw invalidRequest(
          `\`${key}\` can only be used with \`ui_mode=embedded_page\` or a custom form, which the emulator does not serve (it serves the hosted page only: use \`success_url\`).`,
          key,
        );
      }
    }
  }
  if (p.invoice_creation && ctx.mode !== 'payment') {
    throw invalidRequest('`invoice_creation` can only be used in `payment` mode (subscriptions make their own invoices).', 'invoice_creation');
  }
  if (p.currency !== undefined && p.currency.toLowerCase() !== ctx.currency) {
    throw invalidRequest(
      `\`currency\` is ${p.currency.toLowerCase()}, and the line items' prices are in ${ctx.currency} (the emulator has no \`currency_options\` to convert with).`,
      'currency',
    );
  }
  if (p.shipping_address_collection && p.shipping_address_collection.allowed_countries.length === 0) {
    throw invalidRequest('`shipping_address_collection[allowed_countries]` needs at least one country.', 'shipping_address_collection[allowed_countries]');
  }
  if (p.payment_method_collection === 'if_required' && ctx.mode === 'setup') {
    throw invalidRequest('`payment_method_collection=if_required` cannot be used in `setup` mode.', 'payment_method_collection');
  }
  const keys = new Set<string>();
  (p.custom_fields ?? []).forEach((f, i) => {
    if (keys.has(f.key)) throw invalidRequest(`Custom field keys must be unique; \`${f.key}\` is used twice.`, `custom_fields[${i}][key]`);
    keys.add(f.key);
    if (f.type === 'dropdown' && !f.dropdown) throw invalidRequest('Missing required param: dropdown.', `custom_fields[${i}][dropdown]`, 'parameter_missing');
    const limits = f.type === 'text' ? f.text : f.type === 'numeric' ? f.numeric : undefined;
    if (limits?.minimum_length !== undefined && limits.maximum_length !== undefined && limits.minimum_length > limits.maximum_length) {
      throw invalidRequest('`minimum_length` cannot be greater than `maximum_length`.', `custom_fields[${i}][${f.type}][minimum_length]`);
    }
    if (f.dropdown?.default_value !== undefined && !f.dropdown.options.some((o) => o.value === f.dropdown!.default_value)) {
      throw invalidRequest('`default_value` must be one of the dropdown options.', `custom_fields[${i}][dropdown][default_value]`);
    }
  });
  if (p.optional_items) {
    if (ctx.mode === 'setup') throw invalidRequest('`optional_items` cannot be used in `setup` mode.', 'optional_items');
    for (const [i, item] of p.optional_items.entries()) ctx.findPrice(item.price, `optional_items[${i}][price]`);
  }
  if (p.after_expiration?.recovery?.enabled && ctx.mode === 'setup') {
    throw invalidRequest('`after_expiration[recovery]` cannot be used in `setup` mode.', 'after_expiration[recovery][enabled]');
  }
}

/** `subscription_data`'s checks: one way to give the trial, timestamps in the future. */
export function validateSubscriptionData(d: SubscriptionDataParam | undefined, now: number): void {
  if (!d) return;
  if (d.trial_end !== undefined && d.trial_period_days !== undefined) {
    throw invalidRequest('You may only specify one of these parameters: trial_end, trial_period_days.', 'subscription_data[trial_end]');
  }
  if (d.trial_end !== undefined && d.trial_end < now + 48 * HOUR) {
    throw invalidRequest('`subscription_data[trial_end]` must be at least 48 hours in the future.', 'subscription_data[trial_end]');
  }
  if (d.trial_end !== undefined && d.trial_end > now + 730 * 24 * HOUR) {
    throw invalidRequest('`subscription_data[trial_end]` can be at most 730 days in the future.', 'subscription_data[trial_end]');
  }
  if (d.billing_cycle_anchor !== undefined && d.billing_cycle_anchor <= now) {
    throw invalidRequest('`subscription_data[billing_cycle_anchor]` must be in the future.', 'subscription_data[billing_cycle_anchor]');
  }
  if (d.trial_settings && d.trial_end === undefined && d.trial_period_days === undefined) {
    throw invalidRequest(
      '`subscription_data[trial_settings]` can only be used with `subscription_data[trial_end]` or `subscription_data[trial_period_days]`.',
      'subscription_data[trial_settings]',
    );
  }
  if (d.proration_behavior !== undefined && d.billing_cycle_anchor === undefined) {
    throw invalidRequest(
      '`subscription_data[proration_behavior]` can only be used with `subscription_data[billing_cycle_anchor]`.',
      'subscription_data[proration_behavior]',
    );
  }
  if (d.application_fee_percent !== undefined) {
    throw invalidRequest(
      '`subscription_data[application_fee_percent]` is for Connect platforms, which the emulator does not serve.',
      'subscription_data[application_fee_percent]',
    );
  }
}

const messageOf = (m: { message: string } | '' | undefined) => (m ? { message: m.message } : null);
const unset = <T>(v: T | '' | undefined): T | null => (v === '' || v === undefined ? null : v);

/** The session's fields for these parameters, as Stripe returns them (defaults where left out). */
export function echoOptions(p: OptionParams, ctx: { businessName: string }): StripeObject {
  const out: StripeObject = {};
  if (p.automatic_tax) {
    // The emulator calculates no tax: enabled, it is `complete` with 0 tax.
    const on = p.automatic_tax.enabled;
    out.automatic_tax = {
      enabled: on,
      liability: on
        ? { type: p.automatic_tax.liability?.type ?? 'self', ...(p.automatic_tax.liability?.account ? { account: p.automatic_tax.liability.account } : {}) }
        : null,
      provider: on ? 'stripe' : null,
      status: on ? 'complete' : null,
    };
  }
  if (p.payment_method_collection) out.payment_method_collection = p.payment_method_collection;
  if (p.consent_collection) {
    const c = p.consent_collection;
    out.consent_collection = {
      payment_method_reuse_agreement: c.payment_method_reuse_agreement ? { position: c.payment_method_reuse_agreement.position } : null,
      promotions: c.promotions ?? null,
      terms_of_service: c.terms_of_service ?? null,
    };
  }
  if (p.phone_number_collection) out.phone_number_collection = { enabled: p.phone_number_collection.enabled };
  if (p.custom_fields) {
    out.custom_fields = p.custom_fields.map((f) => {
      const field: StripeObject = { key: f.key, label: { custom: f.label.custom, type: 'custom' }, optional: f.optional ?? false, type: f.type };
      if (f.type === 'dropdown') {
        field.dropdown = { default_value: f.dropdown?.default_value ?? null, options: f.dropdown?.options ?? [], value: null };
      } else {
        const limits = f[f.type];
        field[f.type] = {
          default_value: limits?.default_value ?? null,
          maximum_length: limits?.maximum_length ?? null,
          minimum_length: limits?.minimum_length ?? null,
          value: null,
        };
      }
      return field;
    });
  }
  if (p.custom_text) {
    const t = p.custom_text;
    out.custom_text = {
      after_submit: messageOf(t.after_submit),
      shipping_address: messageOf(t.shipping_address),
      submit: messageOf(t.submit),
      terms_of_service_acceptance: messageOf(t.terms_of_service_acceptance),
    };
  }
  if (p.tax_id_collection) out.tax_id_collection = { enabled: p.tax_id_collection.enabled, required: p.tax_id_collection.required ?? 'never' };
  if (p.shipping_address_collection) out.shipping_address_collection = { allowed_countries: [...p.shipping_address_collection.allowed_countries] };
  if (p.invoice_creation) {
    const d = p.invoice_creation.invoice_data ?? {};
    out.invoice_creation = {
      enabled: p.invoice_creation.enabled,
      invoice_data: {
        account_tax_ids: unset(d.account_tax_ids),
        custom_fields: unset(d.custom_fields),
        description: d.description ?? null,
        footer: d.footer ?? null,
        issuer: d.issuer ?? null,
        metadata: d.metadata || {},
        rendering_options: d.rendering_options
          ? { amount_tax_display: unset(d.rendering_options.amount_tax_display), template: d.rendering_options.template ?? null }
          : null,
      },
    };
  }
  if (p.after_expiration) {
    const r = p.after_expiration.recovery;
    out.after_expiration = {
      recovery: r ? { allow_promotion_codes: r.allow_promotion_codes ?? false, enabled: r.enabled, expires_at: null, url: null } : null,
    };
  }
  if (p.saved_payment_method_options) {
    const s = p.saved_payment_method_options;
    out.saved_payment_method_options = {
      allow_redisplay_filters: s.allow_redisplay_filters ?? ['always'],
      payment_method_remove: s.payment_method_remove ?? null,
      payment_method_save: s.payment_method_save ?? null,
    };
  }
  if (p.payment_method_options) {
    out.payment_method_options = { card: { request_three_d_secure: 'automatic' }, ...structuredClone(p.payment_method_options) };
    out.payment_method_options.card = { request_three_d_secure: 'automatic', ...out.payment_method_options.card };
  }
  if (p.name_collection) {
    out.name_collection = Object.fromEntries(Object.entries(p.name_collection).map(([k, v]) => [k, { enabled: v.enabled, optional: v.optional ?? false }]));
  }
  if (p.optional_items) {
    out.optional_items = p.optional_items.map((i) => ({
      adjustable_quantity: i.adjustable_quantity
        ? { enabled: i.adjustable_quantity.enabled, maximum: i.adjustable_quantity.maximum ?? null, minimum: i.adjustable_quantity.minimum ?? null }
        : null,
      price: i.price,
      quantity: i.quantity,
    }));
  }
  if (p.adaptive_pricing) out.adaptive_pricing = { enabled: p.adaptive_pricing.enabled ?? false };
  if (p.branding_settings) {
    const b = p.branding_settings;
    const img = (i: z.output<typeof image> | undefined) =>
      i ? { type: i.type, ...(i.type === 'url' ? { url: i.url ?? null } : { file: i.file ?? null }) } : null;
    out.branding_settings = {
      background_color: unset(b.background_color) ?? '#ffffff',
      border_style: unset(b.border_style) ?? 'rounded',
      button_color: unset(b.button_color) ?? '#0074d4',
      display_name: b.display_name ?? ctx.businessName,
      font_family: unset(b.font_family) ?? 'default',
      icon: img(b.icon),
      logo: img(b.logo),
    };
  }
  if (p.wallet_options) out.wallet_options = p.wallet_options.link ? { link: { display: p.wallet_options.link.display ?? 'auto' } } : {};
  if (p.origin_context) out.origin_context = p.origin_context;
  if (p.integration_identifier !== undefined) out.integration_identifier = p.integration_identifier;
  if (p.permissions) out.permissions = { update_shipping_details: p.permissions.update_shipping_details ?? null };
  if (p.currency) out.currency = p.currency.toLowerCase();
  return out;
}

/** What the page needs of `subscription_data`, kept with the session (Store.sessionOptions). */
export function storedSubscriptionData(d: SubscriptionDataParam | undefined): StripeObject | null {
  if (!d) return null;
  const { metadata: _m, description: _d, ...rest } = d;
  return structuredClone(rest);
}
