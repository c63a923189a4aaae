/**
 * Payment intents: create, update, confirm with the test cards' outcomes (succeeded, declined,
 * 3D Secure), capture (capture_method=manual), cancel, retrieve and list. The hosted Checkout
 * page and the billing engine pay through `createPaymentIntent` and `confirmPaymentIntent` too.
 */
import { z } from 'zod';
import { route, type Emulator, type ResourceModule } from '../context.ts';
import { invalidRequest, noSuchParam, StripeApiError } from '../errors.ts';
import { paginate } from '../lists.ts';
import { CURRENCY, formatAmount, minimumCharge } from '../money.ts';
import { bool, int, listParams, mergeMetadata, metadata, oneOf, str } from '../params.ts';
import type { RequestInfo } from '../events.ts';
import type { StripeObject } from '../store.ts';
import {
  cancelPaymentIntent,
  capturePaymentIntent,
  cardSetupFutureUsage,
  checkCapture,
  CONFIRMABLE,
  confirmPaymentIntent,
  createPaymentIntent,
  type NewPaymentIntent,
  unexpectedState,
  UPDATABLE,
} from '../payments.ts';
import {
  allowedTypesParam,
  automaticFor,
  checkAllowedTypes,
  checkEmail,
  checkExcludedTypes,
  checkReturnUrl,
  mustFind,
  mustFindParam,
  resolvePaymentMethod,
  checkPaymentMethodOwner,
  addressObject,
  toAddress,
} from './shared.ts';
import {
  checkMandateData,
  checkPaymentMethodData,
  checkRefused,
  checkTokenNeedsConfirm,
  configurationDetailsFor,
  connectUnsupported,
  emptyableHash,
  mandateDataParam,
  parseHash,
  noSuchRadarSession,
  paymentMethodDataParam,
  intentPaymentMethod,
  refusedFields,
} from './intent-params.ts';
import { markTokenUsed, tokenPaymentMethod, usableConfirmationToken } from './confirmation-tokens.ts';

// --- The API ---

/** `shipping`: where the goods go (`name` and `address` required, as on Stripe). */
const shippingParam = () =>
  z.strictObject({
    address: addressObject(),
    name: str(),
    carrier: str().optional(),
    phone: str().optional(),
    tracking_number: str().optional(),
  });

type ShippingParams = z.output<ReturnType<typeof shippingParam>>;

function toShipping(p: ShippingParams): StripeObject {
  return {
    address: toAddress(p.address, null),
    carrier: p.carrier ?? null,
    name: p.name,
    phone: p.phone ?? null,
    tracking_number: p.tracking_number ?? null,
  };
}

const emptyable = (max: number) => z.union([z.literal(''), str(max)]);

/** `payment_method_options[card]`: what the emulator's cards can be told, each returned on the intent. */
const cardOptionsParam = () =>
  z.strictObject({
    capture_method: z.union([z.literal(''), oneOf(['manual'])]).optional(),
    request_three_d_secure: oneOf(['any', 'automatic', 'challenge']).optional(),
    setup_future_usage: z.union([z.literal(''), oneOf(['none', 'off_session', 'on_session'])]).optional(),
    require_cvc_recollection: bool().optional(),
    statement_descriptor_suffix_kana: emptyable(22).optional(),
    statement_descriptor_suffix_kanji: emptyable(17).optional(),
    moto: bool().optional(),
  });

/** Other payment methods' options are read so they can be refused by name (the emulator takes cards only). */
function paymentMethodOptionsParam() {
  return z.object({ card: emptyableHash().optional() }).catchall(z.unknown());
}

type CardOptions = z.output<ReturnType<typeof cardOptionsParam>> | '';
type PaymentMethodOptions = { card?: CardOptions } & Record<string, unknown>;

/** Checks the options, their card's member by member (a failure names it), and answers them. */
function checkPaymentMethodOptions(raw: z.output<ReturnType<typeof paymentMethodOptionsParam>> | undefined): PaymentMethodOptions | undefined {
  if (!raw) return undefined;
  const card = raw.card === undefined || raw.card === '' ? raw.card : parseHash(['payment_method_options', 'card'], cardOptionsParam(), raw.card);
  const options: PaymentMethodOptions = { ...raw, card };
  const other = Object.keys(options).find((k) => k !== 'card');
  if (other) {
    throw invalidRequest(
      `The emulator takes card payments only: \`payment_method_options[${other}]\` configures a payment method it does not take.`,
      `payment_method_options[${other}]`,
    );
  }
  if (options.card && options.card.moto !== undefined) {
    throw invalidRequest(
      'MOTO (mail order / telephone order) payments need Stripe to enable them on the account, and the emulator’s account does not have them: remove `payment_method_options[card][moto]`.',
      'payment_method_options[card][moto]',
    );
  }
  return options;
}

const CARD_DEFAULTS = { installments: null, mandate_options: null, network: null, request_three_d_secure: 'automatic' };

/** The intent's `payment_method_options[card]` after an update: '' clears an option (or, for `card`, all of them). */
function withCardOptions(current: StripeObject | undefined, update: PaymentMethodOptions['card']): StripeObject {
  if (update === '') return { ...CARD_DEFAULTS };
  const next: StripeObject = { ...CARD_DEFAULTS, ...current };
  for (const [key, value] of Object.entries(update ?? {})) {
    if (value === '') delete next[key];
    else next[key] = value;
  }
  return next;
}

const confirmFields = {
  allowed_payment_method_types: allowedTypesParam().optional(),
  excluded_payment_method_types: allowedTypesParam().optional(),
  error_on_requires_action: bool().optional(),
  payment_method: str().optional(),
  receipt_email: str(800).optional(),
  setup_future_usage: oneOf(['off_session', 'on_session']).optional(),
  capture_method: oneOf(['automatic', 'automatic_async', 'manual']).optional(),
  off_session: oneOf(['true', 'false', 'one_off', 'recurring']).optional(),
  return_url: str(2048).optional(),
  // The emulator always answers a 3D Secure card with next_action `use_stripe_sdk`, which is what this asks for.
  use_stripe_sdk: bool().optional(),
  mandate: str().optional(),
  mandate_data: mandateDataParam().optional(),
  payment_method_data: paymentMethodDataParam().optional(),
  payment_method_options: paymentMethodOptionsParam().optional(),
  radar_options: z.strictObject({ referrer: z.union([z.literal(''), str()]).optional(), session: str().optional() }).optional(),
  // A token from Stripe.js (or the test helper): its payment method, return URL, shipping and
  // setup_future_usage, each unless the request gives its own.
  confirmation_token: str().optional(),
};

const automaticPaymentMethods = z.strictObject({ enabled: bool(), allow_redirects: oneOf(['always', 'never']).optional() });

const postalCode = () => z.union([z.literal(''), str(10).regex(/^[A-Za-z0-9-]*$/, { error: 'Invalid {param}: at most 10 letters, digits and hyphens' })]);

/** `amount_details`: what the amount is made of, for the card networks' lower rates (line items are not supported). */
const amountDetailsParam = () =>
  z.strictObject({
    discount_amount: z.union([z.literal(''), int(1)]).optional(),
    enforce_arithmetic_validation: bool().optional(),
    shipping: z
      .union([
        z.literal(''),
        z.strictObject({
          amount: z.union([z.literal(''), int(0)]).optional(),
          from_postal_code: postalCode().optional(),
          to_postal_code: postalCode().optional(),
        }),
      ])
      .optional(),
    tax: z.union([z.literal(''), z.strictObject({ total_tax_amount: int(0) })]).optional(),
  });

type AmountDetailsParams = z.output<ReturnType<typeof amountDetailsParam>>;

/** `amount_details` as the intent returns it: only the parts given (`tip` is always there). */
function toAmountDetails(p: AmountDetailsParams, current: StripeObject = { tip: {} }): StripeObject {
  const next: StripeObject = { ...current };
  if (p.discount_amount !== undefined) {
    if (p.discount_amount === '') delete next.discount_amount;
    else next.discount_amount = p.discount_amount;
  }
  if (p.shipping !== undefined) {
    if (p.shipping === '') delete next.shipping;
    else {
      const blank = (v: number | string | undefined) => (v === undefined || v === '' ? null : v);
      next.shipping = {
        amount: blank(p.shipping.amount),
        from_postal_code: blank(p.shipping.from_postal_code),
        to_postal_code: blank(p.shipping.to_postal_code),
      };
    }
  }
  if (p.tax !== undefined) {
    if (p.tax === '') delete next.tax;
    else next.tax = { total_tax_amount: p.tax.total_tax_amount };
  }
  return next;
}

const paymentDetailsParam = () => z.strictObject({ customer_reference: emptyable(5000).optional(), order_reference: emptyable(5000).optional() });

function toPaymentDetails(p: z.output<ReturnType<typeof paymentDetailsParam>>, current: StripeObject | undefined): StripeObject {
  const next: StripeObject = { customer_reference: null, order_reference: null, ...current };
  for (const key of ['customer_reference', 'order_reference'] as const) {
    const value = p[key];
    if (value !== undefined) next[key] = value === '' ? null : value;
  }
  return next;
}

/** `hooks[inputs][tax][calculation]`: a Stripe Tax calculation, which the emulator never makes. */
const hooksParam = () =>
  z.strictObject({ inputs: z.strictObject({ tax: z.strictObject({ calculation: z.union([z.literal(''), str()]) }).optional() }).optional() });

function checkHooks(hooks: z.output<ReturnType<typeof hooksParam>> | undefined): void {
  const calculation = hooks?.inputs?.tax?.calculation;
  if (calculation) throw noSuchParam('tax calculation', calculation, 'hooks[inputs][tax][calculation]');
}

const createFields = {
  ...confirmFields,
  amount: int(0, 99999999),
  currency: str(3),
  customer: str().optional(),
  description: str(1000).optional(),
  metadata: metadata().optional(),
  automatic_payment_methods: automaticPaymentMethods.optional(),
  statement_descriptor: str(22).optional(),
  statement_descriptor_suffix: str(22).optional(),
  shipping: shippingParam().optional(),
  transfer_group: str().optional(),
  confirm: bool().optional(),
  confirmation_method: oneOf(['automatic', 'manual']).optional(),
  amount_details: amountDetailsParam().optional(),
  payment_details: paymentDetailsParam().optional(),
  hooks: hooksParam().optional(),
  customer_account: refusedFields.customer_account,
  on_behalf_of: refusedFields.on_behalf_of,
  payment_method_configuration: str(100).optional(),
  // Stripe Connect: read only to be refused with the reason.
  application_fee_amount: int(0).optional(),
  transfer_data: z.object({ destination: str() }).catchall(z.unknown()).optional(),
};

const updateFields = {
  amount: int(0, 99999999).optional(),
  currency: str(3).optional(),
  customer: str().optional(),
  description: str(1000).optional(),
  metadata: metadata().optional(),
  payment_method: str().optional(),
  allowed_payment_method_types: allowedTypesParam().optional(),
  receipt_email: str(800).optional(),
  setup_future_usage: z.union([z.literal(''), oneOf(['off_session', 'on_session'])]).optional(),
  capture_method: oneOf(['automatic', 'automatic_async', 'manual']).optional(),
  statement_descriptor: str(22).optional(),
  statement_descriptor_suffix: str(22).optional(),
  excluded_payment_method_types: z.union([z.literal(''), allowedTypesParam()]).optional(),
  shipping: z.union([z.literal(''), shippingParam()]).optional(),
  transfer_group: str().optional(),
  payment_method_options: paymentMethodOptionsParam().optional(),
  amount_details: emptyableHash().optional(),
  payment_details: z.union([z.literal(''), paymentDetailsParam()]).optional(),
};

/** A lowercase currency Stripe knows the format of, and an amount at least its minimum charge. */
function checkAmount(amount: number, rawCurrency: string, currencyParam = 'currency'): string {
  const currency = rawCurrency.toLowerCase();
  if (!CURRENCY.test(currency)) throw invalidRequest(`Invalid currency: ${rawCurrency}`, currencyParam);
  const minimum = minimumCharge(currency);
  if (minimum !== undefined && amount < minimum) {
    throw invalidRequest(`Amount must be at least ${formatAmount(minimum, currency)} ${currency}`, 'amount', 'amount_too_small');
  }
  return currency;
}

type ConfirmParams = z.output<z.ZodObject<typeof confirmFields>>;

const missingPaymentMethod = () =>
  unexpectedState(
    "You cannot confirm this PaymentIntent because it's missing a payment method. You can either update the PaymentIntent with a payment method and then confirm it again, or confirm it again directly with a payment method.",
  );

/**
 * What confirming can be told beyond the payment method, checked before anything changes:
 * refusals with a reason, mandate data, the options, and a payment method made inline (answering
 * the test payment method it stands for).
 */
function checkConfirmExtras(emu: Emulator, p: ConfirmParams, confirm: boolean | undefined): Checked {
  checkTokenNeedsConfirm(p.confirmation_token, confirm, 'PaymentIntent');
  const token = p.confirmation_token === undefined ? undefined : usableConfirmationToken(emu, p.confirmation_token);
  if (p.radar_options?.session !== undefined) throw noSuchRadarSession(p.radar_options.session, 'radar_options[session]');
  if (p.mandate !== undefined) {
    if (!confirm) {
      throw invalidRequest('The parameter `mandate` cannot be passed when creating a PaymentIntent unless `confirm` is set to true.', 'mandate');
    }
    // Mandates are made by confirming a bank debit; the emulator takes cards, so none exist.
    throw noSuchParam('mandate', p.mandate, 'mandate');
  }
  checkMandateData(p.mandate_data, confirm, 'PaymentIntent');
  const options = checkPaymentMethodOptions(p.payment_method_options);
  return { options, token, fromData: p.payment_method_data ? checkPaymentMethodData(p.payment_method_data, p.payment_method) : undefined };
}

interface Checked {
  /** The test payment method `payment_method_data` stands for. */
  fromData?: string;
  options?: PaymentMethodOptions;
  /** The confirmation token named, checked usable. */
  token?: StripeObject;
}

/** The payment method a request names: its own `payment_method`, else its confirmation token's. */
function namedPaymentMethod(emu: Emulator, p: ConfirmParams, token: StripeObject | undefined): string | undefined {
  return p.payment_method ?? (token ? tokenPaymentMethod(emu, token) : undefined);
}

/** Everything that can refuse a confirmation, checked before anything changes; answers the test payment method of `payment_method_data`. */
function checkConfirm(emu: Emulator, pi: StripeObject, p: ConfirmParams): Checked {
  if (pi.status === 'succeeded') {
    throw unexpectedState('You cannot confirm this PaymentIntent because it has already succeeded after being previously confirmed.');
  }
  if (!CONFIRMABLE.includes(pi.status)) {
    throw unexpectedState(
      `You cannot confirm this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be confirmed: ${CONFIRMABLE.join(', ')}.`,
    );
  }
  const checked = checkConfirmExtras(emu, p, true);
  const named = namedPaymentMethod(emu, p, checked.token);
  if (!named && !p.payment_method_data && !pi.payment_method) throw missingPaymentMethod();
  checkEmail(p.receipt_email, 'receipt_email');
  const stored = p.payment_method_data ? undefined : emu.store.find('payment_method', named ?? pi.payment_method);
  if (stored) checkPaymentMethodOwner(stored, pi.customer, 'PaymentIntent');
  checkAllowedTypes(p.allowed_payment_method_types);
  checkExcludedTypes(p.excluded_payment_method_types);
  checkReturnUrl(
    { ...pi, allowed_payment_method_types: p.allowed_payment_method_types ?? pi.allowed_payment_method_types },
    p.return_url ?? checked.token?.return_url ?? undefined,
    'PaymentIntent',
  );
  return checked;
}

/** The payment method a checked request names: made from `payment_method_data`, stored, or a test id (pm_card_visa) made anew. */
/**
 * The API's confirmation, once checked: confirms with the payment method, saves the card to the
 * customer for setup_future_usage, and answers a decline as Stripe does: a 402 card error
 * carrying the payment intent (whose changes stay).
 */
function confirmChecked(emu: Emulator, pi: StripeObject, p: ConfirmParams, request: RequestInfo, checked: Checked = {}): StripeObject {
  const { token } = checked;
  const pm = intentPaymentMethod(emu, (namedPaymentMethod(emu, p, token) ?? pi.payment_method) as string, p.payment_method_data, checked.fromData);
  if (p.allowed_payment_method_types !== undefined) pi.allowed_payment_method_types = p.allowed_payment_method_types;
  if (p.excluded_payment_method_types !== undefined) pi.excluded_payment_method_types = p.excluded_payment_method_types;
  if (p.receipt_email !== undefined) pi.receipt_email = p.receipt_email;
  if (p.setup_future_usage !== undefined) pi.setup_future_usage = p.setup_future_usage;
  else if (token?.setup_future_usage) pi.setup_future_usage = token.setup_future_usage;
  if (token?.shipping) pi.shipping = structuredClone(token.shipping);
  if (token) markTokenUsed(token, pi);
  if (p.capture_method !== undefined) pi.capture_method = p.capture_method;
  const card = checked.options?.card;
  if (card !== undefined) pi.payment_method_options.card = withCardOptions(pi.payment_method_options.card, card);
  // Off-session, or told to fail rather than ask for 3D Secure: nobody will authenticate.
  const offSession = (p.off_session !== undefined && p.off_session !== 'false') || p.error_on_requires_action === true;
  const outcome = confirmPaymentIntent(emu, pi, pm, request, undefined, { offSession });
  if (outcome.status === 'declined') {
    const { decline_code, code, message } = outcome.decline;
    throw new StripeApiError(402, {
      type: 'card_error',
      code,
      decline_code,
      message,
      charge: pi.latest_charge ?? undefined,
      payment_intent: structuredClone(pi),
      payment_method: structuredClone(pm),
    });
  }
  if (outcome.status === 'succeeded' && cardSetupFutureUsage(pi) && pi.customer && pm.customer !== pi.customer) {
    const customer = emu.store.find('customer', pi.customer);
    if (customer) emu.billing.attach(pm, customer, request);
  }
  return pi;
}

export const paymentIntents: ResourceModule = {
  routes: [
    route('POST', '/v1/payment_intents', createFields, ({ params: p, emu, request }) => {
      checkRefused(p);
      if (p.application_fee_amount !== undefined) throw connectUnsupported('application_fee_amount');
      if (p.transfer_data !== undefined) throw connectUnsupported('transfer_data');
      checkHooks(p.hooks);
      const currency = checkAmount(p.amount, p.currency);
      checkAllowedTypes(p.allowed_payment_method_types);
      checkExcludedTypes(p.excluded_payment_method_types);
      if (p.automatic_payment_methods?.enabled === false && !p.allowed_payment_method_types) {
        throw invalidRequest(
          'Either `allowed_payment_method_types` or `automatic_payment_methods[enabled]=true` is required to create a PaymentIntent.',
          'automatic_payment_methods[enabled]',
        );
      }
      if (p.off_session !== undefined && !p.confirm) {
        throw invalidRequest('You can only pass in `off_session` when `confirm` is set to true.', 'off_session');
      }
      const { fromData, options, token } = checkConfirmExtras(emu, p, p.confirm);
      const configurationDetails = configurationDetailsFor(emu, p.payment_method_configuration, p.allowed_payment_method_types);
      checkEmail(p.receipt_email, 'receipt_email');
      const customer = p.customer ? mustFindParam(emu, 'customer', p.customer, 'customer', 'customer') : null;
      const named = p.payment_method_data ? undefined : namedPaymentMethod(emu, p, token);
      const stored = named ? emu.store.find('payment_method', named) : undefined;
      if (stored) checkPaymentMethodOwner(stored, customer?.id ?? null, 'PaymentIntent');
      const fields: NewPaymentIntent = {
        amount: p.amount,
        currency,
        customer: customer?.id ?? null,
        description: p.description ?? null,
        metadata: mergeMetadata({}, p.metadata),
        setup_future_usage: p.setup_future_usage ?? token?.setup_future_usage ?? null,
        capture_method: p.capture_method ?? 'automatic_async',
        allowed_payment_method_types: p.allowed_payment_method_types ?? null,
        excluded_payment_method_types: p.excluded_payment_method_types ?? null,
        automatic_payment_methods: p.automatic_payment_methods ?? null,
        shipping: p.shipping ? toShipping(p.shipping) : (token?.shipping ?? null),
        transfer_group: p.transfer_group ?? null,
        receipt_email: p.receipt_email ?? null,
        statement_descriptor: p.statement_descriptor ?? null,
        statement_descriptor_suffix: p.statement_descriptor_suffix ?? null,
        confirmation_method: p.confirmation_method ?? 'automatic',
        payment_method_configuration_details: configurationDetails,
        card_options: options?.card === undefined ? undefined : withCardOptions(undefined, options.card),
        amount_details: p.amount_details ? toAmountDetails(p.amount_details) : undefined,
        payment_details: p.payment_details ? toPaymentDetails(p.payment_details, undefined) : undefined,
      };
      if (p.confirm) {
        // Refused before the intent exists, as Stripe refuses it.
        if (!named && !p.payment_method_data) throw missingPaymentMethod();
        checkReturnUrl(
          { automatic_payment_methods: automaticFor(fields), allowed_payment_method_types: fields.allowed_payment_method_types },
          p.return_url ?? token?.return_url ?? undefined,
          'PaymentIntent',
        );
      }
      // A test id (pm_card_visa) or payment_method_data makes a new payment method: only once nothing else can fail.
      const pm = named || p.payment_method_data ? intentPaymentMethod(emu, named ?? '', p.payment_method_data, fromData) : null;
      const pi = createPaymentIntent(emu, { ...fields, payment_method: pm?.id ?? null }, request);
      if (token) markTokenUsed(token, pi);
      // The options and the token's values are on the intent already; the payment method made above is the one to confirm.
      return p.confirm ? confirmChecked(emu, pi, { ...p, payment_method: pm!.id, payment_method_data: undefined, confirmation_token: undefined }, request) : pi;
    }),

    route('GET', '/v1/payment_intents', { ...listParams, customer: str().optional() }, ({ params: p, emu }) =>
      paginate(
        emu.store.all('payment_intent').filter((x) => p.customer === undefined || x.customer === p.customer),
        p,
        '/v1/payment_intents',
        'payment_intent',
      ),
    ),

    route('GET', '/v1/payment_intents/:id', { client_secret: str().optional() }, ({ path, emu }) =>
      mustFind(emu, 'payment_intent', path.id!, 'payment_intent'),
    ),

    route('POST', '/v1/payment_intents/:id', updateFields, ({ params: p, path, emu }) => {
      const pi = mustFind(emu, 'payment_intent', path.id!, 'payment_intent');
      for (const param of ['amount', 'currency', 'payment_method', 'allowed_payment_method_types', 'capture_method', 'setup_future_usage'] as const) {
        if (p[param] !== undefined && !UPDATABLE.includes(pi.status)) {
          throw unexpectedState(
            `This PaymentIntent's ${param} could not be updated because it has a status of ${pi.status}. You may only update the ${param} of a PaymentIntent with one of the following statuses: ${UPDATABLE.join(', ')}.`,
            param,
          );
        }
      }
      checkAllowedTypes(p.allowed_payment_method_types);
      checkExcludedTypes(p.excluded_payment_method_types || undefined);
      const options = checkPaymentMethodOptions(p.payment_method_options);
      const amountDetails = p.amount_details ? parseHash(['amount_details'], amountDetailsParam(), p.amount_details) : p.amount_details;
      const currency = p.amount !== undefined || p.currency !== undefined ? checkAmount(p.amount ?? pi.amount, p.currency ?? pi.currency) : undefined;
      checkEmail(p.receipt_email || undefined, 'receipt_email');
      const customer = p.customer ? mustFindParam(emu, 'customer', p.customer, 'customer', 'customer') : undefined;
      const customerId = customer?.id ?? pi.customer;
      const stored = p.payment_method ? emu.store.find('payment_method', p.payment_method) : undefined;
      if (stored) checkPaymentMethodOwner(stored, customerId, 'PaymentIntent');
      const pm = p.payment_method ? (stored ?? resolvePaymentMethod(emu, p.payment_method, 'payment_method')) : undefined;
      if (p.amount !== undefined) pi.amount = p.amount;
      if (currency !== undefined) pi.currency = currency;
      if (customer) pi.customer = customer.id;
      if (p.description !== undefined) pi.description = p.description === '' ? null : p.description;
      pi.metadata = mergeMetadata(pi.metadata, p.metadata);
      if (p.receipt_email !== undefined) pi.receipt_email = p.receipt_email === '' ? null : p.receipt_email;
      if (p.setup_future_usage !== undefined) pi.setup_future_usage = p.setup_future_usage === '' ? null : p.setup_future_usage;
      if (p.capture_method !== undefined) pi.capture_method = p.capture_method;
      if (p.statement_descriptor !== undefined) pi.statement_descriptor = p.statement_descriptor === '' ? null : p.statement_descriptor;
      if (p.statement_descriptor_suffix !== undefined) {
        pi.statement_descriptor_suffix = p.statement_descriptor_suffix === '' ? null : p.statement_descriptor_suffix;
      }
      if (p.allowed_payment_method_types !== undefined) pi.allowed_payment_method_types = p.allowed_payment_method_types;
      if (p.excluded_payment_method_types !== undefined) pi.excluded_payment_method_types = p.excluded_payment_method_types || null;
      if (p.shipping !== undefined) pi.shipping = p.shipping === '' ? null : toShipping(p.shipping);
      if (p.transfer_group !== undefined) pi.transfer_group = p.transfer_group === '' ? null : p.transfer_group;
      if (options?.card !== undefined) pi.payment_method_options.card = withCardOptions(pi.payment_method_options.card, options.card);
      if (amountDetails !== undefined) pi.amount_details = amountDetails === '' ? { tip: {} } : toAmountDetails(amountDetails, pi.amount_details);
      if (p.payment_details !== undefined) {
        if (p.payment_details === '') delete pi.payment_details;
        else pi.payment_details = toPaymentDetails(p.payment_details, pi.payment_details);
      }
      if (pm) {
        // A new payment method needs a new confirmation.
        Object.assign(pi, { payment_method: pm.id, status: 'requires_confirmation', next_action: null });
      }
      // Stripe sends no event for an update of a payment intent.
      return pi;
    }),

    route('POST', '/v1/payment_intents/:id/confirm', confirmFields, ({ params: p, path, emu, request }) => {
      const pi = mustFind(emu, 'payment_intent', path.id!, 'payment_intent');
      return confirmChecked(emu, pi, p, request, checkConfirm(emu, pi, p));
    }),

    route(
      'POST',
      '/v1/payment_intents/:id/cancel',
      { cancellation_reason: oneOf(['abandoned', 'duplicate', 'fraudulent', 'requested_by_customer']).optional() },
      ({ params: p, path, emu, request }) => {
        const pi = mustFind(emu, 'payment_intent', path.id!, 'payment_intent');
        cancelPaymentIntent(emu, pi, p.cancellation_reason ?? null, request);
        return pi;
      },
    ),

    route(
      'POST',
      '/v1/payment_intents/:id/capture',
      {
        amount_to_capture: int(1).optional(),
        metadata: metadata().optional(),
        statement_descriptor: str(22).optional(),
        statement_descriptor_suffix: str(22).optional(),
      },
      ({ params: p, path, emu, request }) => {
        const pi = mustFind(emu, 'payment_intent', path.id!, 'payment_intent');
        checkCapture(pi, p.amount_to_capture);
        pi.metadata = mergeMetadata(pi.metadata, p.metadata);
        if (p.statement_descriptor !== undefined) pi.statement_descriptor = p.statement_descriptor;
        if (p.statement_descriptor_suffix !== undefined) pi.statement_descriptor_suffix = p.statement_descriptor_suffix;
        capturePaymentIntent(emu, pi, p.amount_to_capture, request);
        return pi;
      },
    ),
  ],
};
