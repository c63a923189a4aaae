/**
 * Stripe's test cards and what each does (../shared/reference/stripe-facts.md, "Test cards"),
 * with the error codes and messages Stripe answers. Used by the API (test payment methods such
 * as `pm_card_visa`) and by the hosted Checkout page.
 */

export interface CardDecline {
  code: string;
  decline_code?: string;
  message: string;
}

export type CardBehaviour =
  | { kind: 'succeeds' }
  | { kind: 'declines'; decline: CardDecline }
  /** Rejected before any charge (the number itself is wrong). */
  | { kind: 'invalid'; decline: CardDecline }
  /** Needs a 3D Secure challenge; `then` is what happens once it is completed. */
  | { kind: 'requires_3ds'; then: { kind: 'succeeds' } | { kind: 'declines'; decline: CardDecline } }
  /** Attaches to a customer, then fails when charged. */
  | { kind: 'fails_on_charge'; decline: CardDecline };

export const DECLINES = {
  generic: { code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' },
  insufficientFunds: { code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.' },
  lost: { code: 'card_declined', decline_code: 'lost_card', message: 'Your card was declined.' },
  stolen: { code: 'card_declined', decline_code: 'stolen_card', message: 'Your card was declined.' },
  expired: { code: 'expired_card', decline_code: 'expired_card', message: 'Your card has expired.' },
  incorrectCvc: { code: 'incorrect_cvc', decline_code: 'incorrect_cvc', message: "Your card's security code is incorrect." },
  processing: {
    code: 'processing_error',
    decline_code: 'processing_error',
    message: 'An error occurred while processing your card. Try again in a little bit.',
  },
  incorrectNumber: { code: 'incorrect_number', message: 'Your card number is incorrect.' },
  liveCardInTestMode: {
    code: 'card_declined',
    decline_code: 'test_mode_live_card',
    message:
      'Your card was declined. Your request was in test mode, but used a non test (live) card. For a list of valid test cards, visit: https://stripe.com/docs/testing.',
  },
  /** A card that needs 3D Secure, charged off-session (no customer there to authenticate). */
  authenticationRequired: {
    code: 'authentication_required',
    decline_code: 'authentication_required',
    message: 'Your card was declined. This transaction requires authentication.',
  },
  authenticationFailed: {
    code: 'payment_intent_authentication_failure',
    message: 'We are unable to authenticate your payment method. Please choose a different payment method and try again.',
  },
} as const satisfies Record<string, CardDecline>;

/** What charging a card now does; `requires_action` asks for a 3D Secure challenge first. */
export type PaymentOutcome = { status: 'succeeded' } | { status: 'declined'; decline: CardDecline } | { status: 'requires_action' };

/** The answer to a 3D Secure challenge: completed or failed. */
export type ThreeDSResult = 'authenticated' | 'failed';

/** A failed 3D Secure challenge: it never reaches the card network, so no charge is made. */
export const AUTH_FAILED: CardDecline = DECLINES.authenticationFailed;

/** What charging a card of this behaviour does; `threeDS` is the result of a challenge already shown. */
export function outcomeOf(behaviour: CardBehaviour, threeDS?: ThreeDSResult): PaymentOutcome {
  switch (behaviour.kind) {
    case 'succeeds':
      return { status: 'succeeded' };
    case 'declines':
    case 'fails_on_charge':
    case 'invalid':
      return { status: 'declined', decline: behaviour.decline };
    case 'requires_3ds':
      if (threeDS === undefined) return { status: 'requires_action' };
      if (threeDS === 'failed') return { status: 'declined', decline: AUTH_FAILED };
      return behaviour.then.kind === 'succeeds' ? { status: 'succeeded' } : { status: 'declined', decline: behaviour.then.decline };
  }
}

export interface TestCard {
  number: string;
  behaviour: CardBehaviour;
}

const succeeds = { kind: 'succeeds' } as const;

export const TEST_CARDS: Record<string, CardBehaviour> = {
  '4242424242424242': succeeds,
  '4000056655665556': succeeds, // Visa (debit)
  '5555555555554444': succeeds, // Mastercard
  '2223003122003222': succeeds, // Mastercard (2-series)
  '378282246310005': succeeds, // American Express
  '6011111111111117': succeeds, // Discover
  '4000000000000002': { kind: 'declines', decline: DECLINES.generic },
  '4000000000009995': { kind: 'declines', decline: DECLINES.insufficientFunds },
  '4000000000009987': { kind: 'declines', decline: DECLINES.lost },
  '4000000000009979': { kind: 'declines', decline: DECLINES.stolen },
  '4000000000000069': { kind: 'declines', decline: DECLINES.expired },
  '4000000000000127': { kind: 'declines', decline: DECLINES.incorrectCvc },
  '4000000000000119': { kind: 'declines', decline: DECLINES.processing },
  '4242424242424241': { kind: 'invalid', decline: DECLINES.incorrectNumber },
  '4000002500003155': { kind: 'requires_3ds', then: succeeds },
  '4000002760003184': { kind: 'requires_3ds', then: succeeds },
  '4000000000003220': { kind: 'requires_3ds', then: succeeds },
  '4000008260003178': { kind: 'requires_3ds', then: { kind: 'declines', decline: DECLINES.insufficientFunds } },
  '4000000000000341': { kind: 'fails_on_charge', decline: DECLINES.generic },
};

/** The card every issuer decline without a more specific reason behaves as (`generic_decline`). */
export const GENERIC_DECLINE_CARD = '4000000000000002';

/** Payment method ids Stripe accepts in test mode in place of card details (`pm_card_visa`, …). */
export const TEST_PAYMENT_METHODS: Record<string, string> = {
  pm_card_visa: '4242424242424242',
  pm_card_visa_debit: '4000056655665556',
  pm_card_mastercard: '5555555555554444',
  pm_card_amex: '378282246310005',
  pm_card_discover: '6011111111111117',
  pm_card_chargeDeclined: '4000000000000002',
  pm_card_chargeDeclinedInsufficientFunds: '4000000000009995',
  pm_card_chargeDeclinedLostCard: '4000000000009987',
  pm_card_chargeDeclinedStolenCard: '4000000000009979',
  pm_card_chargeDeclinedExpiredCard: '4000000000000069',
  pm_card_chargeDeclinedIncorrectCvc: '4000000000000127',
  pm_card_chargeDeclinedProcessingError: '4000000000000119',
  pm_card_chargeCustomerFail: '4000000000000341',
  pm_card_authenticationRequired: '4000002760003184',
  pm_card_threeDSecure2Required: '4000000000003220',
};

export function luhnValid(number: string): boolean {
  let sum = 0;
  for (let i = 0; i < number.length; i++) {
    let d = Number(number[number.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return number.length > 0 && sum % 10 === 0;
}

export type CardBrand = 'visa' | 'mastercard' | 'amex' | 'discover' | 'unknown';

export function cardBrand(number: string): CardBrand {
  if (/^4/.test(number)) return 'visa';
  if (/^(5[1-5]|2[2-7])/.test(number)) return 'mastercard';
  if (/^3[47]/.test(number)) return 'amex';
  if (/^(6011|65)/.test(number)) return 'discover';
  return 'unknown';
}

/** Valid lengths per brand, as Checkout checks them before submitting. */
export function cardLengthValid(number: string): boolean {
  const brand = cardBrand(number);
  if (brand === 'amex') return number.length === 15;
  if (brand === 'unknown') return number.length >= 12 && number.length <= 19;
  return number.length === 16;
}

/**
 * What a card number does in test mode: a listed test card behaves as listed; a number failing
 * Luhn is an incorrect number; any other (real) card is declined, as Stripe declines live cards
 * in test mode.
 */
export function behaviourOf(number: string): CardBehaviour {
  const digits = number.replace(/\D/g, '');
  const listed = TEST_CARDS[digits];
  if (listed) return listed;
  if (!luhnValid(digits)) return { kind: 'invalid', decline: DECLINES.incorrectNumber };
  return { kind: 'declines', decline: DECLINES.liveCardInTestMode };
}

/** Checkout's CVC rule: 4 digits for American Express, 3 for the others. */
export function cvcLength(number: string): number {
  return cardBrand(number) === 'amex' ? 4 : 3;
}
