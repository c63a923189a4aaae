/**
 * Setup intents: save a card for later payments. Confirming with a payment method verifies the
 * card as the test cards say: a good card (and 4000 0000 0000 0341, which fails only when
 * charged) is saved, attached to the intent's customer; a declining card fails with
 * `last_setup_error` and a 402; a 3D Secure card waits in `requires_action`.
 */
import type Stripe from 'stripe';
import { z } from 'zod';
import { behaviourOf, type CardDecline } from '../cards.ts';
import { route, type Emulator, type ResourceModule } from '../context.ts';
import { cardError, invalidRequest, StripeApiError } from '../errors.ts';
import { newId, randomToken } from '../ids.ts';
import { paginate } from '../lists.ts';
import { arrayOf, bool, int, listParams, mergeMetadata, metadata, oneOf, str } from '../params.ts';
import type { RequestInfo } from '../events.ts';
import type { StripeObject } from '../store.ts';
import {
  allowedTypesParam,
  automaticFor,
  checkAllowedTypes,
  checkExcludedTypes,
  checkReturnUrl,
  mustFind,
  mustFindParam,
  resolvePaymentMethod,
  checkPaymentMethodOwner,
} from './shared.ts';
import {
  checkMandateData,
  checkPaymentMethodData,
  checkRefused,
  checkTokenNeedsConfirm,
  configurationDetailsFor,
  mandateDataParam,
  paymentMethodDataParam,
  intentPaymentMethod,
  refusedFields,
  type MandateData,
  type PaymentMethodData,
} from './intent-params.ts';
import { markTokenUsed, tokenPaymentMethod, usableConfirmationToken } from './confirmation-tokens.ts';

export type SetupIntent = Stripe.SetupIntent;

/** A new setup intent as Stripe's example object has it. */
/** A new setup intent's object, every field at its default (Checkout's sessions make theirs from it too). */
export function newSetupIntent(id: string, created: number): SetupIntent {
  return {
    // Newer than Stripe's example object: the SDK (23) has it on every setup intent.
    allowed_payment_method_types: null,
    application: null,
    automatic_payment_methods: null,
    cancellation_reason: null,
    client_secret: `${id}_secret_${randomToken(32)}`,
    created,
    customer: null,
    description: null,
    flow_directions: null,
    id,
    last_setup_error: null,
    latest_attempt: null,
    livemode: false,
    mandate: null,
    metadata: {},
    next_action: null,
    object: 'setup_intent',
    on_behalf_of: null,
    payment_method: null,
    payment_method_configuration_details: null,
    payment_method_options: { card: { mandate_options: null, network: null, request_three_d_secure: 'automatic' } },
    payment_method_types: ['card'],
    single_use_mandate: null,
    status: 'requires_payment_method',
    usage: 'off_session',
    excluded_payment_method_types: null,
  };
}

const OPEN = ['requires_payment_method', 'requires_confirmation', 'requires_action'];

/** Marks a setup intent as Checkout's (a setup session's, or a trial's card check): the session owns it, not the API. */
export function markMadeByCheckout(emu: Pick<Emulator, 'store'>, id: string, sessionId: string): void {
  emu.store.extras.set(id, { checkout_session: sessionId });
}

const madeByCheckout = (emu: Pick<Emulator, 'store'>, id: string): boolean => Boolean(emu.store.extras.get(id)?.checkout_session);

const unexpectedState = (message: string, param?: string): StripeApiError => invalidRequest(message, param, 'setup_intent_unexpected_state');

function lastSetupError(decline: CardDecline, pm: StripeObject): StripeObject {
  return { ...cardError(decline).toJSON().error, payment_method: structuredClone(pm) };
}

/**
 * Verifies the card and moves the intent on, with its events: saved (and attached to the
 * customer), waiting for 3D Secure, or failed. Returns the decline when the card is refused.
 */
export function confirmSetupIntent(emu: Emulator, si: SetupIntent, pm: StripeObject, request: RequestInfo): CardDecline | null {
  const behaviour = behaviourOf(emu.store.cardNumbers.get(pm.id) ?? '4242424242424242');
  if (behaviour.kind === 'declines' || behaviour.kind === 'invalid') {
    Object.assign(si, {
      status: 'requires_payment_method',
      payment_method: null,
      next_action: null,
      last_setup_error: lastSetupError(behaviour.decline, pm),
    });
    emu.events.emit('setup_intent.setup_failed', si, request);
    return behaviour.decline;
  }
  si.payment_method = pm.id;
  si.last_setup_error = null;
  if (behaviour.kind === 'requires_3ds') {
    si.status = 'requires_action';
    si.next_action = { type: 'use_stripe_sdk', use_stripe_sdk: { type: 'three_d_secure_redirect', stripe_js: '' } } as SetupIntent['next_action'];
    emu.events.emit('setup_intent.requires_action', si, request);
    return null;
  }
  const customer = typeof si.customer === 'string' ? emu.store.find('customer', si.customer) : undefined;
  if (customer && pm.customer !== customer.id) emu.billing.attach(pm, customer, request);
  Object.assign(si, { status: 'succeeded', next_action: null });
  emu.events.emit('setup_intent.succeeded', si, request);
  return null;
}

const missingPaymentMethod = () =>
  unexpectedState(
    "You cannot confirm this SetupIntent because it's missing a payment method. You can either update the SetupIntent with a payment method and then confirm it again, or confirm it again directly with a payment method.",
  );

/** Everything that can refuse a confirmation, checked before anything changes. */
function checkConfirm(emu: Emulator, si: SetupIntent, pmId: string | undefined, returnUrl: string | undefined, inline = false): void {
  if (si.status === 'succeeded') throw unexpectedState('You cannot confirm this SetupIntent because it has already succeeded.');
  if (!OPEN.includes(si.status)) {
    throw unexpectedState(
      `You cannot confirm this SetupIntent because it has a status of ${si.status}. Only a SetupIntent with one of the following statuses may be confirmed: ${OPEN.join(', ')}.`,
    );
  }
  // A payment method described inline (`payment_method_data`) is new, so no one else's.
  const id = inline ? undefined : (pmId ?? (si.payment_method as string | null));
  if (!id && !inline) throw missingPaymentMethod();
  const stored = id ? emu.store.find('payment_method', id) : undefined;
  if (stored) checkPaymentMethodOwner(stored, si.customer as string | null, 'SetupIntent');
  checkReturnUrl(si, returnUrl, 'SetupIntent');
}

/** `payment_method_options[card]` of a setup intent: what the emulator's cards can be told. */
const cardOptionsParam = () =>
  z.strictObject({
    request_three_d_secure: oneOf(['any', 'automatic', 'challenge']).optional(),
    moto: bool().optional(),
  });

/** Other payment methods' options are read so they can be refused by name (the emulator takes cards only). */
const paymentMethodOptionsParam = () => z.object({ card: cardOptionsParam().optional() }).catchall(z.unknown());

type PaymentMethodOptions = z.output<ReturnType<typeof paymentMethodOptionsParam>>;

function checkPaymentMethodOptions(options: PaymentMethodOptions | undefined): void {
  if (!options) return;
  const other = Object.keys(options).find((k) => k !== 'card');
  if (other) {
    throw invalidRequest(
      `The emulator takes card payments only: \`payment_method_options[${other}]\` configures a payment method it does not take.`,
      `payment_method_options[${other}]`,
    );
  }
  if (options.card?.moto !== undefined) {
    throw invalidRequest(
      'MOTO (mail order / telephone order) cards need Stripe to enable them on the account, and the emulator’s account does not have them: remove `payment_method_options[card][moto]`.',
      'payment_method_options[card][moto]',
    );
  }
}

function applyCardOptions(si: SetupIntent, options: PaymentMethodOptions | undefined): void {
  const card = options?.card;
  if (!card) return;
  const current = si.payment_method_options?.card ?? { mandate_options: null, network: null, request_three_d_secure: 'automatic' };
  si.payment_method_options = { ...si.payment_method_options, card: { ...current, ...card } } as SetupIntent['payment_method_options'];
}

interface ConfirmExtras {
  payment_method?: string;
  payment_method_data?: PaymentMethodData;
  payment_method_options?: PaymentMethodOptions;
  mandate_data?: MandateData;
  confirmation_token?: string;
}

/**
 * What confirming can be told beyond the payment method, checked first: answers the test payment
 * method of `payment_method_data`, the confirmation token named (usable), and the payment method
 * the request names itself or through the token (the request's own wins).
 */
function checkConfirmExtras(emu: Emulator, p: ConfirmExtras, confirm: boolean | undefined): { fromData?: string; token?: StripeObject; named?: string } {
  checkTokenNeedsConfirm(p.confirmation_token, confirm, 'SetupIntent');
  const token = p.confirmation_token === undefined ? undefined : usableConfirmationToken(emu, p.confirmation_token);
  checkMandateData(p.mandate_data, confirm, 'SetupIntent');
  checkPaymentMethodOptions(p.payment_method_options);
  const fromData = p.payment_method_data ? checkPaymentMethodData(p.payment_method_data, p.payment_method) : undefined;
  const named = p.payment_method_data ? undefined : (p.payment_method ?? (token ? tokenPaymentMethod(emu, token) : undefined));
  return { fromData, token, named };
}

/** The payment method a checked request names: made from `payment_method_data`, stored, or a test id (pm_card_visa) made anew. */
/** Confirms a checked intent; a refused card is answered as Stripe answers it, a 402 carrying the intent. */
function confirmChecked(emu: Emulator, si: SetupIntent, pmId: string | undefined, request: RequestInfo): SetupIntent {
  const id = (pmId ?? si.payment_method) as string;
  const pm = emu.store.find('payment_method', id) ?? resolvePaymentMethod(emu, id, 'payment_method');
  const decline = confirmSetupIntent(emu, si, pm, request);
  if (decline) {
    throw new StripeApiError(402, {
      type: 'card_error',
      code: decline.code,
      decline_code: decline.decline_code,
      message: decline.message,
      setup_intent: structuredClone(si) as unknown as Record<string, unknown>,
      payment_method: structuredClone(pm),
    });
  }
  return si;
}

const automaticPaymentMethods = z.strictObject({ enabled: bool(), allow_redirects: oneOf(['always', 'never']).optional() });

export const setupIntents: ResourceModule = {
  routes: [
    route(
      'POST',
      '/v1/setup_intents',
      {
        customer: str().optional(),
        payment_method: str().optional(),
        allowed_payment_method_types: allowedTypesParam().optional(),
        excluded_payment_method_types: allowedTypesParam().optional(),
        flow_directions: arrayOf(oneOf(['inbound', 'outbound']), 2).optional(),
        automatic_payment_methods: automaticPaymentMethods.optional(),
        usage: oneOf(['off_session', 'on_session']).optional(),
        confirm: bool().optional(),
        return_url: str(2048).optional(),
        metadata: metadata().optional(),
        description: str(1000).optional(),
        attach_to_self: bool().optional(),
        // The emulator always answers a 3D Secure card with next_action `use_stripe_sdk`, which is what this asks for.
        use_stripe_sdk: bool().optional(),
        mandate_data: mandateDataParam().optional(),
        payment_method_data: paymentMethodDataParam().optional(),
        payment_method_options: paymentMethodOptionsParam().optional(),
        single_use: z.strictObject({ amount: int(1, 99999999), currency: str(3) }).optional(),
        // A token from Stripe.js (or the test helper): its payment method and return URL, unless the request gives its own.
        confirmation_token: str().optional(),
        payment_method_configuration: str(100).optional(),
        ...refusedFields,
      },
      ({ params: p, emu, request }) => {
        checkRefused(p);
        checkAllowedTypes(p.allowed_payment_method_types);
        checkExcludedTypes(p.excluded_payment_method_types);
        if (p.single_use) {
          throw invalidRequest(
            'Single-use mandates are only valid for acss_debit, alipay, au_becs_debit, bacs_debit, bancontact, boleto, ideal, link, sepa_debit and us_bank_account payment methods, and the emulator takes cards only: remove `single_use`.',
            'single_use',
          );
        }
        if (p.attach_to_self && p.customer) {
          throw invalidRequest(
            '`attach_to_self` cannot be true when setting up a PaymentMethod for a Customer: the payment method is attached to your own account instead. Remove `customer` or `attach_to_self`.',
            'attach_to_self',
          );
        }
        const { fromData, token, named } = checkConfirmExtras(emu, p, p.confirm);
        const configurationDetails = configurationDetailsFor(emu, p.payment_method_configuration, p.allowed_payment_method_types);
        const customer = p.customer ? mustFindParam(emu, 'customer', p.customer, 'customer', 'customer').id : null;
        const si = newSetupIntent(newId('setup_intent'), emu.clock.now());
        // Without an allowed list, the payment methods enabled in the Dashboard (cards, here).
        const allowed = p.allowed_payment_method_types ?? null;
        Object.assign(si, {
          allowed_payment_method_types: allowed,
          automatic_payment_methods: automaticFor({ allowed_payment_method_types: allowed, automatic_payment_methods: p.automatic_payment_methods ?? null }),
          customer,
          description: p.description ?? null,
          excluded_payment_method_types: p.excluded_payment_method_types ?? null,
          flow_directions: p.flow_directions ?? null,
          metadata: mergeMetadata({}, p.metadata),
          payment_method_configuration_details: configurationDetails,
          usage: p.usage ?? 'off_session',
        });
        // Returned only when given, as Stripe does.
        if (p.attach_to_self !== undefined) si.attach_to_self = p.attach_to_self;
        applyCardOptions(si, p.payment_method_options);
        const stored = named ? emu.store.find('payment_method', named) : undefined;
        if (stored) checkPaymentMethodOwner(stored, customer, 'SetupIntent');
        if (p.confirm) {
          if (!named && !p.payment_method_data) throw missingPaymentMethod();
          checkReturnUrl(si, p.return_url ?? token?.return_url ?? undefined, 'SetupIntent');
        }
        // A test id (pm_card_visa) or payment_method_data makes a new payment method: only once nothing else can fail.
        const pm = named || p.payment_method_data ? intentPaymentMethod(emu, named ?? '', p.payment_method_data, fromData) : null;
        if (pm) Object.assign(si, { payment_method: pm.id, status: 'requires_confirmation' });
        emu.store.insert(si);
        emu.events.emit('setup_intent.created', si, request);
        if (token) markTokenUsed(token, si);
        return p.confirm ? confirmChecked(emu, si, pm!.id, request) : si;
      },
    ),

    route('GET', '/v1/setup_intents', { ...listParams, customer: str().optional(), payment_method: str().optional() }, ({ params: p, emu }) =>
      paginate(
        emu.store
          .all('setup_intent')
          .filter((x) => (p.customer === undefined || x.customer === p.customer) && (p.payment_method === undefined || x.payment_method === p.payment_method)),
        p,
        '/v1/setup_intents',
        'setup_intent',
      ),
    ),

    route('GET', '/v1/setup_intents/:id', { client_secret: str().optional() }, ({ path, emu }) => mustFind(emu, 'setup_intent', path.id!, 'setup_intent')),

    route(
      'POST',
      '/v1/setup_intents/:id',
      {
        customer: str().optional(),
        payment_method: str().optional(),
        allowed_payment_method_types: allowedTypesParam().optional(),
        metadata: metadata().optional(),
        description: str(1000).optional(),
      },
      ({ params: p, path, emu }) => {
        const si = mustFind(emu, 'setup_intent', path.id!, 'setup_intent') as SetupIntent;
        if (madeByCheckout(emu, si.id)) {
          const given = (['customer', 'payment_method', 'allowed_payment_method_types'] as const).filter((k) => p[k] !== undefined);
          if (given.length > 0) {
            throw invalidRequest(
              `Some of the parameters you provided (${given.join(', ')}) cannot be used when modifying a SetupIntent that was created by Checkout. You can try again without those parameters.`,
              given[0],
            );
          }
        }
        for (const param of ['customer', 'payment_method', 'allowed_payment_method_types'] as const) {
          if (p[param] !== undefined && !OPEN.includes(si.status)) {
            throw unexpectedState(
              `You cannot update the ${param} of this SetupIntent because it has a status of ${si.status}. You may only update it while the SetupIntent has one of the following statuses: ${OPEN.join(', ')}.`,
              param,
            );
          }
        }
        const customer = p.customer ? mustFindParam(emu, 'customer', p.customer, 'customer', 'customer').id : (si.customer as string | null);
        if (p.customer && si.customer && si.customer !== customer) {
          throw invalidRequest(`This SetupIntent already belongs to the Customer ${si.customer}; its customer cannot be changed.`, 'customer');
        }
        const stored = p.payment_method ? emu.store.find('payment_method', p.payment_method) : undefined;
        if (stored) checkPaymentMethodOwner(stored, customer, 'SetupIntent');
        const pm = p.payment_method ? (stored ?? resolvePaymentMethod(emu, p.payment_method, 'payment_method')) : undefined;
        si.customer = customer;
        if (p.description !== undefined) si.description = p.description === '' ? null : p.description;
        si.metadata = mergeMetadata(si.metadata ?? {}, p.metadata);
        if (p.allowed_payment_method_types) si.allowed_payment_method_types = p.allowed_payment_method_types;
        // A new payment method needs a new confirmation.
        if (pm) Object.assign(si, { payment_method: pm.id, status: 'requires_confirmation', next_action: null });
        // Stripe sends no event for an update of a setup intent.
        return si;
      },
    ),

    route(
      'POST',
      '/v1/setup_intents/:id/confirm',
      {
        payment_method: str().optional(),
        return_url: str(2048).optional(),
        allowed_payment_method_types: allowedTypesParam().optional(),
        use_stripe_sdk: bool().optional(),
        mandate_data: mandateDataParam().optional(),
        payment_method_data: paymentMethodDataParam().optional(),
        payment_method_options: paymentMethodOptionsParam().optional(),
        confirmation_token: str().optional(),
      },
      ({ params: p, path, emu, request }) => {
        const si = mustFind(emu, 'setup_intent', path.id!, 'setup_intent') as SetupIntent;
        checkAllowedTypes(p.allowed_payment_method_types);
        const allowed = p.allowed_payment_method_types ?? si.allowed_payment_method_types;
        const { fromData, token, named } = checkConfirmExtras(emu, p, true);
        checkConfirm(emu, { ...si, allowed_payment_method_types: allowed }, named, p.return_url ?? token?.return_url ?? undefined, fromData !== undefined);
        si.allowed_payment_method_types = allowed;
        applyCardOptions(si, p.payment_method_options);
        const pm = p.payment_method_data ? intentPaymentMethod(emu, '', p.payment_method_data, fromData) : undefined;
        if (token) markTokenUsed(token, si);
        return confirmChecked(emu, si, pm?.id ?? named, request);
      },
    ),

    route(
      'POST',
      '/v1/setup_intents/:id/cancel',
      { cancellation_reason: oneOf(['abandoned', 'duplicate', 'requested_by_customer']).optional() },
      ({ params: p, path, emu, request }) => {
        const si = mustFind(emu, 'setup_intent', path.id!, 'setup_intent') as SetupIntent;
        // As Stripe answers for a Checkout Session's PaymentIntent: the session owns it.
        if (madeByCheckout(emu, si.id)) throw invalidRequest('You cannot cancel the SetupIntent for a Checkout Session. Expire the Checkout Session instead.');
        if (!OPEN.includes(si.status)) {
          throw unexpectedState(
            `You cannot cancel this SetupIntent because it has a status of ${si.status}. Only a SetupIntent with one of the following statuses may be canceled: ${OPEN.join(', ')}.`,
          );
        }
        Object.assign(si, { status: 'canceled', cancellation_reason: p.cancellation_reason ?? null, next_action: null });
        emu.events.emit('setup_intent.canceled', si, request);
        return si;
      },
    ),
  ],
};
