/** An error answered in Stripe's JSON shape: `{ error: { type, code, message, param, … } }`. */
import type { CardDecline } from './cards.ts';

export type StripeErrorType = 'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error' | 'authentication_error' | 'rate_limit_error';

export interface StripeErrorFields {
  type: StripeErrorType;
  message: string;
  code?: string;
  param?: string;
  decline_code?: string;
  payment_intent?: Record<string, unknown>;
  payment_method?: Record<string, unknown>;
  setup_intent?: Record<string, unknown>;
  charge?: string;
}

export class StripeApiError extends Error {
  readonly status: number;
  readonly fields: StripeErrorFields;

  constructor(status: number, fields: StripeErrorFields) {
    super(fields.message);
    this.name = 'StripeApiError';
    this.status = status;
    this.fields = fields;
  }

  toJSON(): { error: Record<string, unknown> } {
    const { type, code, decline_code, message, param, ...rest } = this.fields;
    const error: Record<string, unknown> = { type, message };
    if (code) {
      error.code = code;
      error.doc_url = `https://stripe.com/docs/error-codes/${code.replaceAll('_', '-')}`;
    }
    if (decline_code) error.decline_code = decline_code;
    if (param) error.param = param;
    return { error: { ...error, ...rest } };
  }
}

export const invalidRequest = (message: string, param?: string, code?: string): StripeApiError =>
  new StripeApiError(400, { type: 'invalid_request_error', message, param, code });

export const missingParam = (param: string): StripeApiError => invalidRequest(`Missing required param: ${param}.`, param, 'parameter_missing');

export const noSuch = (resource: string, id: string, param = 'id'): StripeApiError =>
  new StripeApiError(404, {
    type: 'invalid_request_error',
    code: 'resource_missing',
    message: `No such ${resource}: '${id}'`,
    param,
  });

/** A missing object referenced by a parameter (e.g. `customer=cus_x`) is a 400 in Stripe, not a 404. */
export const noSuchParam = (resource: string, id: string, param: string): StripeApiError =>
  new StripeApiError(400, {
    type: 'invalid_request_error',
    code: 'resource_missing',
    message: `No such ${resource}: '${id}'`,
    param,
  });

/** Maps an HTTP status to the error type Stripe answers with it (used for injected faults). */
export function errorTypeForStatus(status: number): StripeErrorType {
  if (status === 401) return 'authentication_error';
  if (status === 402) return 'card_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

/** Stripe's 402 for a card the issuer (or the number itself) refuses. */
export function cardError(decline: CardDecline, param?: string): StripeApiError {
  return new StripeApiError(402, {
    type: 'card_error',
    code: decline.code,
    decline_code: decline.decline_code,
    message: decline.message,
    param,
  });
}
