/**
 * The customer portal: configurations (`bpc_…`, one default per account, made on first use) and
 * sessions (`bps_…`) whose `url` is the emulator's hosted portal page (portal-page/). What the
 * page may do — cancel at period end or at once, switch to which prices, with which prorations —
 * is the configuration's; a session's `flow_data` sends the customer straight to one of those.
 */
import { z } from 'zod';
import { invalidRequest, missingParam, noSuch, noSuchParam } from '../errors.ts';
import { randomToken } from '../ids.ts';
import { paginate } from '../lists.ts';
import { arrayOf, bool, int, listParams, metadata, mergeMetadata, oneOf, str } from '../params.ts';
import { route, type Emulator, type ResourceModule } from '../context.ts';
import type { StripeObject } from '../store.ts';
import { customerAccountUnsupported } from './shared.ts';

const CONFIGURATION = 'billing_portal.configuration';
const SESSION = 'billing_portal.session';

const LOCALES = [
  'auto',
  'bg',
  'cs',
  'da',
  'de',
  'el',
  'en',
  'en-AU',
  'en-CA',
  'en-GB',
  'en-IE',
  'en-IN',
  'en-NZ',
  'en-SG',
  'es',
  'es-419',
  'et',
  'fi',
  'fil',
  'fr',
  'fr-CA',
  'hr',
  'hu',
  'id',
  'it',
  'ja',
  'ko',
  'lt',
  'lv',
  'ms',
  'mt',
  'nb',
  'nl',
  'pl',
  'pt',
  'pt-BR',
  'ro',
  'ru',
  'sk',
  'sl',
  'sv',
  'th',
  'tr',
  'vi',
  'zh',
  'zh-HK',
  'zh-TW',
] as const;

const CANCELLATION_REASONS = [
  'customer_service',
  'low_quality',
  'missing_features',
  'other',
  'switched_service',
  'too_complex',
  'too_expensive',
  'unused',
] as const;
const prorationBehavior = () => oneOf(['always_invoice', 'create_prorations', 'none']);
const emptyable = <T extends z.ZodType>(schema: T) => z.union([z.literal(''), schema]);

/** A configured product: which of its prices the portal offers to switch to. */
export interface PortalProduct {
  product: string;
  prices: string[];
}

const featuresParam = () =>
  z.strictObject({
    customer_update: z
      .strictObject({
        enabled: bool(),
        allowed_updates: emptyable(arrayOf(oneOf(['address', 'email', 'name', 'phone', 'shipping', 'tax_id']))).optional(),
      })
      .optional(),
    invoice_history: z.strictObject({ enabled: bool() }).optional(),
    payment_method_update: z.strictObject({ enabled: bool(), payment_method_configuration: emptyable(str()).optional() }).optional(),
    subscription_cancel: z
      .strictObject({
        enabled: bool(),
        mode: oneOf(['at_period_end', 'immediately']).optional(),
        proration_behavior: prorationBehavior().optional(),
        cancellation_reason: z.strictObject({ enabled: bool(), options: emptyable(arrayOf(oneOf(CANCELLATION_REASONS))).optional() }).optional(),
      })
      .optional(),
    subscription_update: z
      .strictObject({
        enabled: bool(),
        default_allowed_updates: emptyable(arrayOf(oneOf(['price', 'promotion_code', 'quantity']))).optional(),
        products: emptyable(arrayOf(z.strictObject({ product: str(), prices: arrayOf(str()) }), 10)).optional(),
        proration_behavior: prorationBehavior().optional(),
        billing_cycle_anchor: oneOf(['now', 'unchanged']).optional(),
        schedule_at_period_end: z
          .strictObject({ conditions: arrayOf(z.strictObject({ type: oneOf(['decreasing_item_amount', 'shortening_interval']) })) })
          .optional(),
        trial_update_behavior: oneOf(['continue_trial', 'end_trial']).optional(),
      })
      .optional(),
  });

type Features = z.output<ReturnType<typeof featuresParam>>;

const configurationParams = {
  business_profile: z
    .strictObject({ headline: emptyable(str(60)).optional(), privacy_policy_url: str().optional(), terms_of_service_url: str().optional() })
    .optional(),
  default_return_url: emptyable(str()).optional(),
  login_page: z.strictObject({ enabled: bool() }).optional(),
  metadata: metadata().optional(),
  name: emptyable(str(256)).optional(),
};

/** http(s) URLs only, as Stripe's `url_invalid` check. */
function checkUrl(url: string, param: string): void {
  let ok = false;
  try {
    const u = new URL(url);
    ok = (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname !== '';
  } catch {
    ok = false;
  }
  if (!ok) throw invalidRequest('Not a valid URL', param, 'url_invalid');
}

function newConfiguration(emu: Emulator, isDefault: boolean): StripeObject {
  const now = emu.clock.now();
  return {
    id: `bpc_${randomToken(24)}`,
    object: CONFIGURATION,
    active: true,
    application: null,
    business_profile: { headline: null, privacy_policy_url: null, terms_of_service_url: null },
    created: now,
    default_return_url: null,
    // What the Dashboard's portal settings start with: cancel at period end, no plan switching.
    features: {
      customer_update: { allowed_updates: ['email', 'address', 'shipping', 'phone', 'tax_id'], enabled: true },
      invoice_history: { enabled: true },
      payment_method_update: { enabled: true, payment_method_configuration: null },
      subscription_cancel: {
        cancellation_reason: { enabled: false, options: [] },
        enabled: true,
        mode: 'at_period_end',
        proration_behavior: 'none',
      },
      subscription_update: {
        default_allowed_updates: [],
        enabled: false,
        proration_behavior: 'none',
        schedule_at_period_end: { conditions: [] },
        trial_update_behavior: 'end_trial',
        billing_cycle_anchor: null,
      },
    },
    is_default: isDefault,
    livemode: false,
    login_page: { enabled: false, url: null },
    metadata: {},
    updated: now,
    name: null,
  };
}

/** The account's default configuration, made the first time anything asks for it. */
export function defaultConfiguration(emu: Emulator): StripeObject {
  const existing = emu.store.all(CONFIGURATION).find((c) => c.is_default);
  if (existing) return existing;
  return emu.store.insert(newConfiguration(emu, true));
}

/** The products (and their prices) a configuration lets customers switch between. */
export function portalProducts(emu: Pick<Emulator, 'store'>, configuration: StripeObject): PortalProduct[] {
  return (emu.store.extras.get(configuration.id)?.products as PortalProduct[] | undefined) ?? [];
}

/** Checks `products` before anything changes: each product exists, each price is its own and recurring. */
function checkProducts(emu: Emulator, products: PortalProduct[]): void {
  for (const [i, p] of products.entries()) {
    if (!emu.store.find('product', p.product)) throw noSuchParam('product', p.product, `features[subscription_update][products][${i}][product]`);
    if (p.prices.length === 0) throw missingParam(`features[subscription_update][products][${i}][prices]`);
    for (const [j, id] of p.prices.entries()) {
      const param = `features[subscription_update][products][${i}][prices][${j}]`;
      const price = emu.store.find('price', id);
      if (!price) throw noSuchParam('price', id, param);
      if (price.product !== p.product) throw invalidRequest(`The price ${id} does not belong to the product ${p.product}.`, param);
      if (price.type !== 'recurring')
        throw invalidRequest(`The price ${id} is not a recurring price; the portal switches subscriptions between recurring prices.`, param);
    }
  }
}

/** Applies `features` (create or update); everything is checked first. */
function applyFeatures(emu: Emulator, config: StripeObject, f: Features | undefined): void {
  if (!f) return;
  const cancel = f.subscription_cancel;
  const update = f.subscription_update;
  const cancelMode = cancel?.mode ?? config.features.subscription_cancel.mode;
  const cancelProration = cancel?.proration_behavior ?? config.features.subscription_cancel.proration_behavior;
  if (cancelProration === 'always_invoice') {
    throw invalidRequest('Invalid proration_behavior: always_invoice is not allowed when canceling.', 'features[subscription_cancel][proration_behavior]');
  }
  if (cancelProration === 'create_prorations' && cancelMode !== 'immediately') {
    throw invalidRequest('proration_behavior=create_prorations is only compatible with mode=immediately.', 'features[subscription_cancel][proration_behavior]');
  }
  const products = update?.products === undefined ? undefined : update.products === '' ? [] : update.products;
  if (products) checkProducts(emu, products);
  const enablesUpdate = update?.enabled ?? config.features.subscription_update.enabled;
  if (update && enablesUpdate && (products ?? portalProducts(emu, config)).length === 0) {
    throw invalidRequest(
      'To enable subscription updates, provide at least one product in features[subscription_update][products].',
      'features[subscription_update][products]',
    );
  }

  const feat = config.features;
  if (f.customer_update) {
    feat.customer_update.enabled = f.customer_update.enabled;
    if (f.customer_update.allowed_updates !== undefined) feat.customer_update.allowed_updates = f.customer_update.allowed_updates || [];
  }
  if (f.invoice_history) feat.invoice_history.enabled = f.invoice_history.enabled;
  if (f.payment_method_update) {
    feat.payment_method_update.enabled = f.payment_method_update.enabled;
    if (f.payment_method_update.payment_method_configuration !== undefined)
      feat.payment_method_update.payment_method_configuration = f.payment_method_update.payment_method_configuration || null;
  }
  if (cancel) {
    feat.subscription_cancel.enabled = cancel.enabled;
    feat.subscription_cancel.mode = cancelMode;
    feat.subscription_cancel.proration_behavior = cancelProration;
    if (cancel.cancellation_reason)
      feat.subscription_cancel.cancellation_reason = { enabled: cancel.cancellation_reason.enabled, options: cancel.cancellation_reason.options || [] };
  }
  if (update) {
    const su = feat.subscription_update;
    su.enabled = update.enabled;
    if (update.default_allowed_updates !== undefined) su.default_allowed_updates = update.default_allowed_updates || [];
    else if (update.enabled && su.default_allowed_updates.length === 0) su.default_allowed_updates = ['price'];
    if (update.proration_behavior) su.proration_behavior = update.proration_behavior;
    if (update.billing_cycle_anchor) su.billing_cycle_anchor = update.billing_cycle_anchor;
    if (update.schedule_at_period_end) su.schedule_at_period_end = { conditions: update.schedule_at_period_end.conditions };
    if (update.trial_update_behavior) su.trial_update_behavior = update.trial_update_behavior;
    // `products` is kept beside the object: Stripe returns it only when expanded.
    if (products) emu.store.extras.set(config.id, { ...emu.store.extras.get(config.id), products });
  }
}

function applyConfigurationParams(config: StripeObject, p: { [K in keyof typeof configurationParams]?: z.output<(typeof configurationParams)[K]> }): void {
  if (p.business_profile) {
    const bp = p.business_profile;
    if (bp.privacy_policy_url !== undefined) checkUrl(bp.privacy_policy_url, 'business_profile[privacy_policy_url]');
    if (bp.terms_of_service_url !== undefined) checkUrl(bp.terms_of_service_url, 'business_profile[terms_of_service_url]');
  }
  if (p.default_return_url) checkUrl(p.default_return_url, 'default_return_url');
  if (p.business_profile) {
    const bp = p.business_profile;
    if (bp.headline !== undefined) config.business_profile.headline = bp.headline || null;
    if (bp.privacy_policy_url !== undefined) config.business_profile.privacy_policy_url = bp.privacy_policy_url;
    if (bp.terms_of_service_url !== undefined) config.business_profile.terms_of_service_url = bp.terms_of_service_url;
  }
  if (p.default_return_url !== undefined) config.default_return_url = p.default_return_url || null;
  if (p.login_page)
    config.login_page = { enabled: p.login_page.enabled, url: p.login_page.enabled ? `https://billing.stripe.com/p/login/test_${randomToken(14)}` : null };
  config.metadata = mergeMetadata(config.metadata, p.metadata);
  if (p.name !== undefined) config.name = p.name || null;
}

const findConfiguration = (emu: Emulator, id: string): StripeObject => {
  if (emu.store.count(CONFIGURATION) === 0) defaultConfiguration(emu);
  const c = emu.store.find(CONFIGURATION, id);
  if (!c) throw noSuch('configuration', id);
  return c;
};

const flowDataParam = () =>
  z.strictObject({
    type: oneOf(['payment_method_update', 'subscription_cancel', 'subscription_update', 'subscription_update_confirm', 'subscription_pause']),
    after_completion: z
      .strictObject({
        type: oneOf(['hosted_confirmation', 'portal_homepage', 'redirect']),
        hosted_confirmation: z.strictObject({ custom_message: str(500).optional() }).optional(),
        redirect: z.strictObject({ return_url: str() }).optional(),
      })
      .optional(),
    subscription_cancel: z
      .strictObject({
        subscription: str(),
        retention: z.strictObject({ type: oneOf(['coupon_offer']), coupon_offer: z.strictObject({ coupon: str() }) }).optional(),
      })
      .optional(),
    subscription_update: z.strictObject({ subscription: str() }).optional(),
    subscription_update_confirm: z
      .strictObject({
        subscription: str(),
        items: arrayOf(z.strictObject({ id: str(), price: str().optional(), quantity: int(0, 999999).optional() }), 20),
        discounts: arrayOf(z.strictObject({ coupon: str().optional(), promotion_code: str().optional() }), 20).optional(),
      })
      .optional(),
    subscription_pause: z.strictObject({ subscription: str() }).optional(),
  });

type FlowData = z.output<ReturnType<typeof flowDataParam>>;

/** The statuses a portal shows and acts on. */
export const PORTAL_STATUSES = ['active', 'trialing', 'past_due'];

/** The session's `flow`, after every reference in `flow_data` has been checked. */
function buildFlow(emu: Emulator, f: FlowData, customer: StripeObject, config: StripeObject): StripeObject {
  const after = f.after_completion;
  if (after?.type === 'redirect') {
    if (!after.redirect) throw missingParam('flow_data[after_completion][redirect]');
    checkUrl(after.redirect.return_url, 'flow_data[after_completion][redirect][return_url]');
  }
  const subscriptionOf = (key: 'subscription_cancel' | 'subscription_update' | 'subscription_update_confirm'): StripeObject => {
    const data = f[key];
    if (!data) throw missingParam(`flow_data[${key}]`);
    const param = `flow_data[${key}][subscription]`;
    const sub = emu.store.find('subscription', data.subscription);
    if (!sub) throw noSuchParam('subscription', data.subscription, param);
    if (sub.customer !== customer.id) throw invalidRequest(`The subscription ${sub.id} does not belong to the customer ${customer.id}.`, param);
    if (!PORTAL_STATUSES.includes(sub.status))
      throw invalidRequest(
        `The subscription ${sub.id} is ${sub.status}; the portal can only change a subscription that is active, trialing or past due.`,
        param,
      );
    return sub;
  };
  const flow: StripeObject = {
    after_completion: {
      hosted_confirmation: after?.type === 'hosted_confirmation' ? { custom_message: after.hosted_confirmation?.custom_message ?? null } : null,
      redirect: after?.type === 'redirect' ? { return_url: after.redirect!.return_url } : null,
      type: after?.type ?? 'portal_homepage',
    },
    subscription_cancel: null,
    subscription_update: null,
    subscription_update_confirm: null,
    type: f.type,
  };
  const needs = (feature: 'subscription_cancel' | 'subscription_update' | 'payment_method_update') => {
    if (!config.features[feature].enabled) {
      throw invalidRequest(
        `You can't create a portal session with flow_data[type]=${f.type} because the ${feature} feature is disabled in the configuration ${config.id}.`,
        'flow_data[type]',
      );
    }
  };
  switch (f.type) {
    case 'subscription_cancel': {
      needs('subscription_cancel');
      const sub = subscriptionOf('subscription_cancel');
      if (sub.cancel_at_period_end)
        throw invalidRequest(`The subscription ${sub.id} is already set to cancel at the end of its period.`, 'flow_data[subscription_cancel][subscription]');
      const retention = f.subscription_cancel!.retention;
      if (retention && !emu.store.find('coupon', retention.coupon_offer.coupon)) {
        throw noSuchParam('coupon', retention.coupon_offer.coupon, 'flow_data[subscription_cancel][retention][coupon_offer][coupon]');
      }
      flow.subscription_cancel = {
        retention: retention ? { coupon_offer: { coupon: retention.coupon_offer.coupon }, type: retention.type } : null,
        subscription: sub.id,
      };
      break;
    }
    case 'subscription_update': {
      needs('subscription_update');
      flow.subscription_update = { subscription: subscriptionOf('subscription_update').id };
      break;
    }
    case 'subscription_update_confirm': {
      needs('subscription_update');
      const sub = subscriptionOf('subscription_update_confirm');
      const data = f.subscription_update_confirm!;
      const offered = new Set(portalProducts(emu, config).flatMap((p) => p.prices));
      const items = data.items.map((it, i) => {
        if (!(sub.items.data as StripeObject[]).some((si) => si.id === it.id))
          throw noSuchParam('subscription item', it.id, `flow_data[subscription_update_confirm][items][${i}][id]`);
        if (it.price !== undefined) {
          const param = `flow_data[subscription_update_confirm][items][${i}][price]`;
          if (!emu.store.find('price', it.price)) throw noSuchParam('price', it.price, param);
          if (!offered.has(it.price)) throw invalidRequest(`The price ${it.price} is not one of the prices of the configuration ${config.id}.`, param);
        }
        return { id: it.id, price: it.price ?? null, ...(it.quantity !== undefined ? { quantity: it.quantity } : {}) };
      });
      flow.subscription_update_confirm = { discounts: data.discounts ?? null, items, subscription: sub.id };
      break;
    }
    case 'payment_method_update':
      needs('payment_method_update');
      break;
    default:
      throw invalidRequest(
        `flow_data[type]=${f.type} is not supported by the emulator's portal; use subscription_cancel, subscription_update, subscription_update_confirm or payment_method_update.`,
        'flow_data[type]',
      );
  }
  return flow;
}

export const billingPortal: ResourceModule = {
  routes: [
    route('POST', '/v1/billing_portal/configurations', { features: featuresParam(), ...configurationParams }, ({ params: p, emu }) => {
      defaultConfiguration(emu);
      const config = newConfiguration(emu, false);
      applyFeatures(emu, config, p.features);
      applyConfigurationParams(config, p);
      return emu.store.insert(config);
    }),
    route('GET', '/v1/billing_portal/configurations', { ...listParams, active: bool().optional(), is_default: bool().optional() }, ({ params: p, emu }) => {
      defaultConfiguration(emu);
      const all = emu.store
        .all(CONFIGURATION)
        .filter((c) => (p.active === undefined || c.active === p.active) && (p.is_default === undefined || c.is_default === p.is_default));
      return paginate(all, p, '/v1/billing_portal/configurations', 'configuration');
    }),
    route('GET', '/v1/billing_portal/configurations/:id', {}, ({ path, emu }) => findConfiguration(emu, path.id!)),
    route(
      'POST',
      '/v1/billing_portal/configurations/:id',
      { features: featuresParam().optional(), active: bool().optional(), ...configurationParams },
      ({ params: p, path, emu }) => {
        const found = findConfiguration(emu, path.id!);
        if (p.active === false && found.is_default) throw invalidRequest('The default configuration cannot be deactivated.', 'active');
        // Checked on a copy, so a refused update changes nothing.
        const config = structuredClone(found);
        const extras = emu.store.extras.get(config.id);
        applyFeatures(emu, config, p.features);
        try {
          applyConfigurationParams(config, p);
        } catch (err) {
          if (extras) emu.store.extras.set(config.id, extras);
          else emu.store.extras.delete(config.id);
          throw err;
        }
        if (p.active !== undefined) config.active = p.active;
        config.updated = emu.clock.now();
        return Object.assign(found, config);
      },
    ),
    route(
      'POST',
      '/v1/billing_portal/sessions',
      {
        customer: str().optional(),
        customer_account: str().optional(),
        configuration: str().optional(),
        return_url: str().optional(),
        locale: oneOf(LOCALES).optional(),
        on_behalf_of: str().optional(),
        flow_data: flowDataParam().optional(),
        after_expiration: z
          .strictObject({
            type: oneOf(['customer_login']),
            customer_login: z.strictObject({ enabled: bool().optional(), expires_at: int().optional() }).optional(),
          })
          .optional(),
      },
      ({ params: p, emu }) => {
        if (p.customer_account !== undefined) {
          throw customerAccountUnsupported(p.customer_account);
        }
        if (p.customer === undefined) throw missingParam('customer');
        const customer = emu.store.find('customer', p.customer);
        if (!customer) throw noSuchParam('customer', p.customer, 'customer');
        let config: StripeObject;
        if (p.configuration !== undefined) {
          defaultConfiguration(emu);
          const found = emu.store.find(CONFIGURATION, p.configuration);
          if (!found) throw noSuchParam('configuration', p.configuration, 'configuration');
          if (!found.active) throw invalidRequest(`The configuration ${found.id} is not active.`, 'configuration');
          config = found;
        } else {
          config = defaultConfiguration(emu);
        }
        if (p.return_url !== undefined) checkUrl(p.return_url, 'return_url');
        const flow = p.flow_data ? buildFlow(emu, p.flow_data, customer, config) : null;
        const id = `bps_${randomToken(24)}`;
        const session: StripeObject = {
          id,
          object: SESSION,
          configuration: config.id,
          created: emu.clock.now(),
          customer: customer.id,
          flow,
          livemode: false,
          locale: p.locale ?? null,
          on_behalf_of: p.on_behalf_of ?? null,
          return_url: p.return_url ?? config.default_return_url ?? null,
          url: `${emu.baseUrl()}/p/session/${id}`,
          customer_account: null,
        };
        return emu.store.insert(session);
      },
    ),
  ],
};
