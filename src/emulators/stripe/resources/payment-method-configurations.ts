/**
 * Payment method configurations (`pmc_…`): which payment methods an account offers, each with a
 * display preference ('on', 'off', or 'none' for Stripe's default). The account has a default
 * configuration from the start (cards and Apple Pay on, as Stripe's example object has it), used
 * whenever an intent names none. Payment and setup intents (and Checkout) name one with
 * `payment_method_configuration`; the emulator takes cards only, so a configuration that turns
 * cards off leaves it nothing to take.
 */
import type Stripe from 'stripe';
import { z } from 'zod';
import { route, type Engine, type ResourceModule } from '../context.ts';
import { invalidRequest, noSuchParam, type StripeApiError } from '../errors.ts';
import { randomToken } from '../ids.ts';
import { paginateInOrder } from '../lists.ts';
import { bool, cursorParams, oneOf, str } from '../params.ts';
import type { StripeObject } from '../store.ts';
import { mustFind } from './shared.ts';

/** The payment methods every configuration lists: those of Stripe's example object, in its order. */
const LISTED = [
  'acss_debit',
  'affirm',
  'afterpay_clearpay',
  'alipay',
  'amazon_pay',
  'apple_pay',
  'bacs_debit',
  'bancontact',
  'blik',
  'card',
  'cartes_bancaires',
  'cashapp',
  'customer_balance',
  'eps',
  'giropay',
  'google_pay',
  'ideal',
  'klarna',
  'link',
  'multibanco',
  'p24',
  'sepa_debit',
  'sofort',
  'us_bank_account',
  'wechat_pay',
  'zip',
] as const;

/** The other payment methods stripe-node's parameters name: listed on a configuration once it sets their preference. */
const OTHERS = [
  'alma',
  'apple_pay_later',
  'au_becs_debit',
  'billie',
  'bizum',
  'boleto',
  'crypto',
  'fpx',
  'fr_meal_voucher_conecs',
  'grabpay',
  'jcb',
  'kakao_pay',
  'konbini',
  'kr_card',
  'mb_way',
  'mobilepay',
  'naver_pay',
  'nz_bank_account',
  'oxxo',
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
  'sequra',
  'sunbit',
  'swish',
  'twint',
  'upi',
] as const;

type Method = (typeof LISTED)[number] | (typeof OTHERS)[number];

const METHODS: readonly Method[] = [...LISTED, ...OTHERS];

/** What 'none' means: Stripe's default for the method. Cards and the card wallets the example object has on. */
const ON_BY_DEFAULT: ReadonlySet<string> = new Set(['card', 'apple_pay']);
/** The capabilities the emulator's account has: cards, and Apple Pay, which pays with a card. */
const ACTIVE: ReadonlySet<string> = new Set(['card', 'apple_pay']);

/** The default configuration's id: fixed, so it is the same after a reset or a restart. */
const DEFAULT_CONFIGURATION_ID = 'pmc_1EmuDefaultConfig0000000';

type Preference = 'none' | 'off' | 'on';

/** One payment method's entry: the SDK gives each method its own type, all of this shape. */
type MethodEntry = Stripe.PaymentMethodConfiguration.Card;

/**
 * The SDK's configuration, plus the two methods stripe-node 23 takes as parameters but does not
 * list on the object (`apple_pay_later`, `fr_meal_voucher_conecs`): the emulator lists them once
 * their preference is set, as it does every other method.
 */
export type PaymentMethodConfiguration = Stripe.PaymentMethodConfiguration & Partial<Record<'apple_pay_later' | 'fr_meal_voucher_conecs', MethodEntry>>;

// The stored configuration, typed: the store keeps plain records, so the type is asserted at this boundary only.
const findConfiguration = (engine: Pick<Engine, 'store'>, id: string): PaymentMethodConfiguration | undefined =>
  engine.store.find('payment_method_configuration', id) as PaymentMethodConfiguration | undefined;
const mustFindConfiguration = (engine: Pick<Engine, 'store'>, id: string): PaymentMethodConfiguration =>
  mustFind(engine, 'payment_method_configuration', id, 'payment method configuration') as PaymentMethodConfiguration;

function methodEntry(method: string, preference: Preference): MethodEntry {
  const value = preference === 'none' ? (ON_BY_DEFAULT.has(method) ? 'on' : 'off') : preference;
  return { available: value === 'on' && ACTIVE.has(method), display_preference: { overridable: null, preference, value } };
}

function newConfiguration(id: string, name: string, isDefault: boolean): PaymentMethodConfiguration {
  const pmc: PaymentMethodConfiguration = {
    id,
    object: 'payment_method_configuration',
    active: true,
    application: null,
    is_default: isDefault,
    livemode: false,
    name,
    parent: null,
  };
  for (const method of LISTED) pmc[method] = methodEntry(method, isDefault && ON_BY_DEFAULT.has(method) ? 'on' : isDefault ? 'off' : 'none');
  return pmc;
}

/** The account's default configuration, made the first time anything asks for it. */
export function defaultPaymentMethodConfiguration(engine: Pick<Engine, 'store'>): PaymentMethodConfiguration {
  const found = findConfiguration(engine, DEFAULT_CONFIGURATION_ID);
  if (found) return found;
  return engine.store.insert(newConfiguration(DEFAULT_CONFIGURATION_ID, 'Default', true));
}

export const noSuchPaymentMethodConfiguration = (id: string, param = 'payment_method_configuration'): StripeApiError =>
  noSuchParam('payment method configuration', id, param);

/**
 * The configuration a payment names with `param` (for intents and Checkout sessions), checked as
 * the emulator can use it: it exists (else Stripe's "No such payment method configuration"), it
 * is active, and it offers cards, the only payment method the emulator takes.
 */
export function findPaymentMethodConfiguration(engine: Pick<Engine, 'store'>, id: string, param = 'payment_method_configuration'): PaymentMethodConfiguration {
  defaultPaymentMethodConfiguration(engine);
  const pmc = findConfiguration(engine, id);
  if (!pmc) throw noSuchPaymentMethodConfiguration(id, param);
  if (!pmc.active) {
    throw invalidRequest(
      `The payment method configuration ${id} is not active, so it cannot be used for new payments. Activate it (active=true) or name another.`,
      param,
    );
  }
  if (pmc.card?.display_preference?.value !== 'on') {
    throw invalidRequest(
      `The payment method configuration ${id} turns cards off, and the emulator takes card payments only: no payment method is left to pay with. Turn cards on (card[display_preference][preference]=on) or name another configuration.`,
      param,
    );
  }
  return pmc;
}

/** What an intent returns as `payment_method_configuration_details` for the configuration it uses (Checkout holds it untyped). */
export function configurationDetails(pmc: StripeObject): Stripe.PaymentIntent.PaymentMethodConfigurationDetails {
  return { id: pmc.id, parent: pmc.parent };
}

const methodParam = () => z.strictObject({ display_preference: z.strictObject({ preference: oneOf(['none', 'off', 'on']).optional() }).optional() });

const methodFields = Object.fromEntries(METHODS.map((m) => [m, methodParam().optional()])) as Record<string, z.ZodOptional<ReturnType<typeof methodParam>>>;

type MethodParams = Record<string, { display_preference?: { preference?: Preference } } | undefined>;

function applyPreferences(pmc: PaymentMethodConfiguration, p: MethodParams): void {
  for (const method of METHODS) {
    const preference = p[method]?.display_preference?.preference;
    if (preference !== undefined) pmc[method] = methodEntry(method, preference);
  }
}

export const paymentMethodConfigurations: ResourceModule = {
  routes: [
    route('POST', '/v1/payment_method_configurations', { ...methodFields, name: str(100).optional(), parent: str().optional() }, ({ params: p, emu }) => {
      if (p.parent !== undefined) {
        throw invalidRequest(
          '`parent` makes a child of a Stripe Connect platform’s configuration, and the emulator has no Connect platforms. Remove `parent`.',
          'parent',
        );
      }
      defaultPaymentMethodConfiguration(emu);
      // Stripe's reference gives no default name; the emulator leaves it empty.
      const pmc = newConfiguration(`pmc_${randomToken(24)}`, p.name ?? '', false);
      applyPreferences(pmc, p as MethodParams);
      return emu.store.insert(pmc);
    }),

    route(
      'GET',
      '/v1/payment_method_configurations',
      { ...cursorParams, active: bool().optional(), application: z.union([z.literal(''), str()]).optional() },
      ({ params: p, emu }) => {
        defaultPaymentMethodConfiguration(emu);
        const all = emu.store
          .all('payment_method_configuration')
          // Only Connect platforms' configurations have an application: none here.
          .filter((x) => (p.active === undefined || x.active === p.active) && !p.application);
        // The default first, then the account's own in the order they were made.
        return paginateInOrder(all, p, '/v1/payment_method_configurations', 'payment method configuration');
      },
    ),

    route('GET', '/v1/payment_method_configurations/:id', {}, ({ path, emu }) => {
      defaultPaymentMethodConfiguration(emu);
      return mustFindConfiguration(emu, path.id!);
    }),

    route(
      'POST',
      '/v1/payment_method_configurations/:id',
      { ...methodFields, name: str(100).optional(), active: bool().optional() },
      ({ params: p, path, emu }) => {
        defaultPaymentMethodConfiguration(emu);
        const pmc = mustFindConfiguration(emu, path.id!);
        if (p.active === false && pmc.is_default) {
          throw invalidRequest(
            `${pmc.id} is the account's default configuration, which cannot be deactivated: it is used whenever a payment names no configuration.`,
            'active',
          );
        }
        if (p.name !== undefined) pmc.name = p.name;
        if (p.active !== undefined) pmc.active = p.active;
        applyPreferences(pmc, p as MethodParams);
        return pmc;
      },
    ),
  ],
};
