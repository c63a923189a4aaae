/**
 * Parameters that payment intents and setup intents share beyond the basics: the payment method
 * made inline (`payment_method_data`), mandate data, the configuration of payment methods, and the
 * parameters the emulator refuses with a reason (Stripe Connect, Accounts v2).
 */
import { z } from 'zod';
import { TEST_PAYMENT_METHODS } from '../cards.ts';
import { invalidRequest, noSuchParam, type StripeApiError } from '../errors.ts';
import { int, metadata, mergeMetadata, oneOf, parseParams, str } from '../params.ts';
import type { Emulator } from '../context.ts';
import type { Engine } from '../engine.ts';
import type { StripeObject } from '../store.ts';
import { configurationDetails, defaultPaymentMethodConfiguration, findPaymentMethodConfiguration } from './payment-method-configurations.ts';
import { addressParam, checkEmail, customerAccountUnsupported, resolvePaymentMethod, toAddress } from './shared.ts';

type Intent = 'PaymentIntent' | 'SetupIntent';

// --- payment_method_data ---

/** Stripe's test card tokens (`tok_visa`, …), each the card of its `pm_card_…` twin. */
const TEST_TOKENS = new Map(Object.keys(TEST_PAYMENT_METHODS).map((pm) => [pm.replace(/^pm_card_/, 'tok_'), pm]));

const emptyable = (max = 5000) => z.union([z.literal(''), str(max)]);

/**
 * `payment_method_data`: what POST /v1/payment_methods takes, for a new payment method made with
 * the intent. Every type is read so a bank account is refused by name, not as an unknown hash.
 */
export const paymentMethodDataParam = () =>
  z
    .object({
      type: str(100),
      card: z
        .strictObject({
          // A token from Stripe.js or a test token (tok_visa); raw numbers need Stripe to enable them.
          token: str().optional(),
          number: str().optional(),
          exp_month: int(1, 12).optional(),
          exp_year: int().optional(),
          cvc: str(4).optional(),
        })
        .optional(),
      billing_details: z
        .strictObject({
          address: addressParam().optional(),
          email: emptyable(800).optional(),
          name: emptyable().optional(),
          phone: emptyable().optional(),
          tax_id: str().optional(),
        })
        .optional(),
      metadata: metadata().optional(),
      allow_redisplay: oneOf(['always', 'limited', 'unspecified']).optional(),
      radar_options: z.strictObject({ session: str().optional() }).optional(),
    })
    // The other types' own hashes (us_bank_account, sepa_debit, …): refused below with the type.
    .catchall(z.unknown());

export type PaymentMethodData = z.output<ReturnType<typeof paymentMethodDataParam>>;

const RAW_CARD_DATA =
  'Sending credit card numbers directly to the Stripe API is generally unsafe. We suggest you use test tokens that map to the test card you are using, see https://stripe.com/docs/testing. To enable testing raw card data APIs, see https://support.stripe.com/questions/enabling-access-to-raw-card-data-apis.';

/** Everything that can refuse `payment_method_data`, checked before anything is made; answers the test payment method behind it. */
export function checkPaymentMethodData(data: PaymentMethodData, paymentMethod: string | undefined): string {
  if (paymentMethod !== undefined) {
    throw invalidRequest(
      'You cannot provide both `payment_method` and `payment_method_data`: name a payment method, or describe a new one.',
      'payment_method_data',
    );
  }
  if (data.type !== 'card') {
    throw invalidRequest(
      `The emulator takes card payments only: \`payment_method_data[type]\` must be \`card\` (got ${data.type}). Pay with a card token (payment_method_data[card][token]=tok_visa) or a card payment method.`,
      'payment_method_data[type]',
    );
  }
  const card = data.card;
  if (!card) throw invalidRequest('Missing required param: payment_method_data[card].', 'payment_method_data[card]', 'parameter_missing');
  if (card.number !== undefined) throw invalidRequest(RAW_CARD_DATA, 'payment_method_data[card][number]');
  if (card.token === undefined)
    throw invalidRequest('Missing required param: payment_method_data[card][token].', 'payment_method_data[card][token]', 'parameter_missing');
  const testId = TEST_TOKENS.get(card.token);
  // Tokens are made by Stripe.js against Stripe itself; here only the test tokens exist.
  if (!testId) throw noSuchParam('token', card.token, 'payment_method_data[card][token]');
  if (data.radar_options?.session !== undefined) throw noSuchRadarSession(data.radar_options.session, 'payment_method_data[radar_options][session]');
  checkEmail(data.billing_details?.email || undefined, 'payment_method_data[billing_details][email]');
  return testId;
}

/** The new card payment method `payment_method_data` describes (checked first with checkPaymentMethodData). */
export function paymentMethodFromData(emu: Emulator, data: PaymentMethodData, testId: string): StripeObject {
  const pm = resolvePaymentMethod(emu, testId, 'payment_method_data[card][token]');
  const b = data.billing_details;
  if (b) {
    const details = pm.billing_details;
    details.address = toAddress(b.address, details.address);
    for (const key of ['email', 'name', 'phone'] as const) {
      const value = b[key];
      if (value !== undefined) details[key] = value === '' ? null : value;
    }
    if (b.tax_id !== undefined) details.tax_id = b.tax_id;
  }
  pm.metadata = mergeMetadata(pm.metadata ?? {}, data.metadata);
  if (data.allow_redisplay !== undefined) pm.allow_redisplay = data.allow_redisplay;
  return pm;
}

/** The payment method an intent is confirmed with: made from `payment_method_data` when given, else the one `id` names (a stored one or a test id). */
export function intentPaymentMethod(emu: Emulator, id: string, data: PaymentMethodData | undefined, fromData: string | undefined): StripeObject {
  if (data && fromData) return paymentMethodFromData(emu, data, fromData);
  return emu.store.find('payment_method', id) ?? resolvePaymentMethod(emu, id, 'payment_method');
}

// --- mandate_data ---

/** `mandate_data`: the customer's acceptance of a mandate, as Stripe validates it (checked in checkMandateData). */
const mandateDataSchema = () =>
  z.strictObject({
    customer_acceptance: z.strictObject({
      type: oneOf(['offline', 'online']),
      accepted_at: int(0).optional(),
      offline: z.strictObject({}).optional(),
      online: z.strictObject({ ip_address: str(), user_agent: str() }).optional(),
    }),
  });

export const mandateDataParam = () => emptyableHash();

export type MandateData = z.output<ReturnType<typeof mandateDataParam>>;

/**
 * Checks `mandate_data`. A card payment needs no mandate (only India's eMandates make one, which
 * the emulator's US cards never are), so for cards it is accepted and no mandate is made, as Stripe
 * does when Stripe.js sends it with a card.
 */
export function checkMandateData(raw: MandateData | undefined, confirm: boolean | undefined, intent: Intent): void {
  if (raw === undefined || raw === '') return;
  if (!confirm) {
    throw invalidRequest(`The parameter \`mandate_data\` cannot be passed when creating a ${intent} unless \`confirm\` is set to true.`, 'mandate_data');
  }
  const acceptance = parseHash(['mandate_data'], mandateDataSchema(), raw).customer_acceptance;
  if (acceptance.type === 'online' && !acceptance.online) {
    throw invalidRequest(
      'Missing required param: mandate_data[customer_acceptance][online].',
      'mandate_data[customer_acceptance][online]',
      'parameter_missing',
    );
  }
  if (acceptance.type === 'offline' && acceptance.online) {
    throw invalidRequest(
      'You cannot pass `mandate_data[customer_acceptance][online]` when `mandate_data[customer_acceptance][type]` is `offline`.',
      'mandate_data[customer_acceptance][online]',
    );
  }
}

// --- What the emulator refuses, and why ---

/** Ids of objects the emulator never makes: each is refused as Stripe refuses an id it does not know. */
export const noSuchRadarSession = (id: string, param: string): StripeApiError => noSuchParam('radar session', id, param);

/** Stripe Connect moves money to connected accounts; the emulator has none. */
export function connectUnsupported(param: string): StripeApiError {
  return invalidRequest(
    `\`${param}\` is a Stripe Connect parameter (it sends funds to or on behalf of a connected account), and the emulator has no connected accounts. Remove \`${param}\`.`,
    param,
  );
}

/** The parameters both intents refuse with a reason, read as strings so the refusal names them. */
export const refusedFields = {
  customer_account: str().optional(),
  on_behalf_of: str().optional(),
};

export function checkRefused(p: { [K in keyof typeof refusedFields]?: string }): void {
  if (p.customer_account !== undefined) throw customerAccountUnsupported(p.customer_account);
  if (p.on_behalf_of !== undefined) throw connectUnsupported('on_behalf_of');
}

// --- confirmation_token, payment_method_configuration ---

/** `confirmation_token` confirms: on create it needs `confirm=true`, as `mandate_data` does. */
export function checkTokenNeedsConfirm(token: string | undefined, confirm: boolean | undefined, intent: Intent): void {
  if (token !== undefined && !confirm) {
    throw invalidRequest(
      `The parameter \`confirmation_token\` cannot be passed when creating a ${intent} unless \`confirm\` is set to true.`,
      'confirmation_token',
    );
  }
}

/**
 * The new intent's `payment_method_configuration_details`: the configuration it names, else,
 * when it takes the payment methods enabled in the Dashboard (no allowed list), the account's
 * default; none with an allowed list, which picks the payment methods itself.
 */
export function configurationDetailsFor(engine: Pick<Engine, 'store'>, id: string | undefined, allowed: string[] | null | undefined): StripeObject | null {
  if (id !== undefined) {
    const pmc = findPaymentMethodConfiguration(engine, id);
    if (allowed) {
      throw invalidRequest(
        '`payment_method_configuration` takes the payment methods from a configuration, and `allowed_payment_method_types` lists them itself: pass one of them, not both.',
        'payment_method_configuration',
      );
    }
    return configurationDetails(pmc);
  }
  if (allowed) return null;
  const fallback = defaultPaymentMethodConfiguration(engine);
  return configurationDetails(findPaymentMethodConfiguration(engine, fallback.id, 'automatic_payment_methods'));
}

// --- Hashes that '' unsets ---

/**
 * A hash that also takes '' (to unset it), read loosely: zod answers a union's failure with only
 * "Invalid input" at the union, so the hash is checked after with parseHash, naming the member.
 */
export const emptyableHash = () => z.union([z.literal(''), z.record(z.string(), z.unknown())]);

/** Checks `value` (the hash at `path`, e.g. ['payment_method_options', 'card']) against `schema`, with Stripe's error naming the member. */
export function parseHash<S extends z.ZodType>(path: readonly string[], schema: S, value: unknown): z.output<S> {
  let wrapped: z.ZodType = schema;
  let input: unknown = value;
  for (const key of [...path].reverse()) {
    wrapped = z.strictObject({ [key]: wrapped });
    input = { [key]: input };
  }
  let out: unknown = parseParams(wrapped, input);
  for (const key of path) out = (out as Record<string, unknown>)[key];
  return out as z.output<S>;
}
