/**
 * Payment intents: create, update, confirm with the test cards' outcomes (succeeded, declined,
 * 3D Secure), capture (capture_method=manual), cancel, retrieve and list. The hosted Checkout
 * page and the billing engine pay through `createPaymentIntent` and `confirmPaymentIntent` too.
 */
import { z } from 'zod';
import { route, type Emulator, type ResourceModule } from '../context.ts';
import { invalidRequest, StripeApiError } from '../errors.ts';
import { paginate } from '../lists.ts';
import { CURRENCY, formatAmount, minimumCharge } from '../money.ts';
import { bool, int, listParams, mergeMetadata, metadata, oneOf, str } from '../params.ts';
import type { RequestInfo } from '../events.ts';
import type { StripeObject } from '../store.ts';
import {
  cancelPaymentIntent,
  capturePaymentIntent,
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
} from './shared.ts';

// --- The API ---

/** `shipping`: where the goods go (`name` and `address` required, as on Stripe). */
const shippingParam = () =>
  z.strictObject({
    address: z.strictObject({
      line1: str(200).optional(),
      line2: str(200).optional(),
      city: str(200).optional(),
      state: str(200).optional(),
      postal_code: str(20).optional(),
      country: str(2).optional(),
    }),
    name: str(),
    carrier: str().optional(),
    phone: str().optional(),
    tracking_number: str().optional(),
  });

type ShippingParams = z.output<ReturnType<typeof shippingParam>>;

function toShipping(p: ShippingParams): StripeObject {
  const a = p.address;
  return {
    address: {
      city: a.city ?? null,
      country: a.country ?? null,
      line1: a.line1 ?? null,
      line2: a.line2 ?? null,
      postal_code: a.postal_code ?? null,
      state: a.state ?? null,
    },
    carrier: p.carrier ?? null,
    name: p.name,
    phone: p.phone ?? null,
    tracking_number: p.tracking_number ?? null,
  };
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
};

const automaticPaymentMethods = z.strictObject({ enabled: bool(), allow_redirects: oneOf(['always', 'never']).optional() });

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

/** Everything that can refuse a confirmation, checked before anything changes. */
function checkConfirm(emu: Emulator, pi: StripeObject, p: ConfirmParams): void {
  if (pi.status === 'succeeded') {
    throw unexpectedState('You cannot confirm this PaymentIntent because it has already succeeded after being previously confirmed.');
  }
  if (!CONFIRMABLE.includes(pi.status)) {
    throw unexpectedState(
      `You cannot confirm this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be confirmed: ${CONFIRMABLE.join(', ')}.`,
    );
  }
  if (!p.payment_method && !pi.payment_method) throw missingPaymentMethod();
  checkEmail(p.receipt_email, 'receipt_email');
  const stored = emu.store.find('payment_method', p.payment_method ?? pi.payment_method);
  if (stored) checkPaymentMethodOwner(stored, pi.customer, 'PaymentIntent');
  checkAllowedTypes(p.allowed_payment_method_types);
  checkExcludedTypes(p.excluded_payment_method_types);
  checkReturnUrl({ ...pi, allowed_payment_method_types: p.allowed_payment_method_types ?? pi.allowed_payment_method_types }, p.return_url, 'PaymentIntent');
}

/**
 * The API's confirmation, once checked: confirms with the payment method, saves the card to the
 * customer for setup_future_usage, and answers a decline as Stripe does: a 402 card error
 * carrying the payment intent (whose changes stay).
 */
function confirmChecked(emu: Emulator, pi: StripeObject, p: ConfirmParams, request: RequestInfo): StripeObject {
  const id = (p.payment_method ?? pi.payment_method) as string;
  // A test id (pm_card_visa) makes a new payment method.
  const pm = emu.store.find('payment_method', id) ?? resolvePaymentMethod(emu, id, 'payment_method');
  if (p.allowed_payment_method_types !== undefined) pi.allowed_payment_method_types = p.allowed_payment_method_types;
  if (p.excluded_payment_method_types !== undefined) pi.excluded_payment_method_types = p.excluded_payment_method_types;
  if (p.receipt_email !== undefined) pi.receipt_email = p.receipt_email;
  if (p.setup_future_usage !== undefined) pi.setup_future_usage = p.setup_future_usage;
  if (p.capture_method !== undefined) pi.capture_method = p.capture_method;
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
  if (outcome.status === 'succeeded' && pi.setup_future_usage && pi.customer && pm.customer !== pi.customer) {
    const customer = emu.store.find('customer', pi.customer);
    if (customer) emu.billing.attach(pm, customer, request);
  }
  return pi;
}

export const paymentIntents: ResourceModule = {
  routes: [
    route('POST', '/v1/payment_intents', createFields, ({ params: p, emu, request }) => {
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
      checkEmail(p.receipt_email, 'receipt_email');
      const customer = p.customer ? mustFindParam(emu, 'customer', p.customer, 'customer', 'customer') : null;
      const stored = p.payment_method ? emu.store.find('payment_method', p.payment_method) : undefined;
      if (stored) checkPaymentMethodOwner(stored, customer?.id ?? null, 'PaymentIntent');
      const fields: NewPaymentIntent = {
        amount: p.amount,
        currency,
        customer: customer?.id ?? null,
        description: p.description ?? null,
        metadata: mergeMetadata({}, p.metadata),
        setup_future_usage: p.setup_future_usage ?? null,
        capture_method: p.capture_method ?? 'automatic_async',
        allowed_payment_method_types: p.allowed_payment_method_types ?? null,
        excluded_payment_method_types: p.excluded_payment_method_types ?? null,
        automatic_payment_methods: p.automatic_payment_methods ?? null,
        shipping: p.shipping ? toShipping(p.shipping) : null,
        transfer_group: p.transfer_group ?? null,
        receipt_email: p.receipt_email ?? null,
        statement_descriptor: p.statement_descriptor ?? null,
        statement_descriptor_suffix: p.statement_descriptor_suffix ?? null,
      };
      if (p.confirm) {
        // Refused before the intent exists, as Stripe refuses it.
        if (!p.payment_method) throw missingPaymentMethod();
        checkReturnUrl(
          { automatic_payment_methods: automaticFor(fields), allowed_payment_method_types: fields.allowed_payment_method_types },
          p.return_url,
          'PaymentIntent',
        );
      }
      // A test id (pm_card_visa) makes a new payment method: only once nothing else can fail.
      const pm = p.payment_method ? (stored ?? resolvePaymentMethod(emu, p.payment_method, 'payment_method')) : null;
      const pi = createPaymentIntent(emu, { ...fields, payment_method: pm?.id ?? null }, request);
      return p.confirm ? confirmChecked(emu, pi, p, request) : pi;
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
      if (pm) {
        // A new payment method needs a new confirmation.
        Object.assign(pi, { payment_method: pm.id, status: 'requires_confirmation', next_action: null });
      }
      // Stripe sends no event for an update of a payment intent.
      return pi;
    }),

    route('POST', '/v1/payment_intents/:id/confirm', confirmFields, ({ params: p, path, emu, request }) => {
      const pi = mustFind(emu, 'payment_intent', path.id!, 'payment_intent');
      checkConfirm(emu, pi, p);
      return confirmChecked(emu, pi, p, request);
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
