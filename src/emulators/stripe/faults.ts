/**
 * API faults injected through the control API: `{method, path, status, rate, count, phase}` rules.
 * `path` matches exactly, with `*` standing for one path segment (`/v1/customers/*`) and `**` for
 * one or more (`/v1/**`: every API route).
 *
 * `phase` is when the request fails, which decides what a retry with the same Idempotency-Key
 * gets, as on Stripe:
 * - `failed` (the default, except for 429): the endpoint began and failed; its answer is saved
 *   under the key and replayed to a retry with that key.
 * - `before` (the default for 429): refused before the endpoint began (a rate limit, an overloaded
 *   edge); nothing is saved, so a retry with the same key is carried out.
 * - `lost`: the request is carried out (and its answer saved under its key), then the connection
 *   is dropped with no answer, as when the network fails after Stripe did the work. A retry with
 *   the key gets the saved answer; one without a key does the work twice. `status` is not used.
 */
import { z } from 'zod';
import type { StripeErrorType } from './errors.ts';

export const FAULT_PHASES = ['failed', 'before', 'lost'] as const;
export type FaultPhase = (typeof FAULT_PHASES)[number];

export const apiFaultSchema = z.strictObject({
  method: z.enum(['GET', 'POST', 'DELETE', '*']).default('*'),
  path: z.string().startsWith('/', { error: 'path must start with /' }),
  status: z.number().int().min(400).max(599).default(500),
  phase: z.enum(FAULT_PHASES).optional(),
  rate: z.number().min(0).max(1).default(1),
  count: z.number().int().min(1).optional(),
  type: z.enum(['api_error', 'card_error', 'idempotency_error', 'invalid_request_error', 'authentication_error', 'rate_limit_error']).optional(),
  code: z.string().optional(),
  message: z.string().optional(),
});

export type ApiFault = z.output<typeof apiFaultSchema>;

/**
 * What the hosted Checkout page does instead of its job, as real Checkout can: put a bot
 * challenge (CAPTCHA) in front of the form (`captcha`) or in front of the payment once submitted
 * (`captcha_on_submit`, where real Checkout usually shows it), not be reachable at all
 * (`unreachable`: the connection is dropped), or have the issuer decline every card paid on it
 * (`decline`: even 4242… is declined as 4000 0000 0000 0002 is, so a monitor sees an unexpected
 * card result).
 */
export const CHECKOUT_PAGE_FAULTS = ['none', 'captcha', 'captcha_on_submit', 'unreachable', 'decline'] as const;
export type CheckoutPageFault = (typeof CHECKOUT_PAGE_FAULTS)[number];

interface ActiveFault extends ApiFault {
  matcher: RegExp;
  remaining: number;
  /** How many requests this rule has answered, so a test can tell its faults really fired. */
  fired: number;
}

export interface InjectedFault {
  status: number;
  phase: FaultPhase;
  type?: StripeErrorType;
  code?: string;
  message?: string;
}

export class Faults {
  private rules: ActiveFault[] = [];
  /** The hosted page's fault; 'none' shows the page. */
  checkoutPage: CheckoutPageFault = 'none';

  constructor(private readonly random: () => number = Math.random) {}

  set(rules: ApiFault[]): void {
    this.rules = rules.map((r) => ({
      ...r,
      matcher: new RegExp(
        `^${r.path
          .split('**')
          .map((wide) =>
            wide
              .split('*')
              .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
              .join('[^/]+'),
          )
          .join('[^/]+(?:/[^/]+)*')}$`,
      ),
      remaining: r.count ?? Number.POSITIVE_INFINITY,
      fired: 0,
    }));
  }

  clear(): void {
    this.rules = [];
    this.checkoutPage = 'none';
  }

  list(): (ApiFault & { remaining: number | null; fired: number })[] {
    return this.rules.map(({ matcher: _m, remaining, ...r }) => ({ ...r, remaining: Number.isFinite(remaining) ? remaining : null }));
  }

  /** The fault to answer this request with, if a rule fires (and spends one of its count). */
  take(method: string, rawPath: string): InjectedFault | null {
    // The router ignores a trailing slash (`/v1/customers/` is `/v1/customers`); so do the rules.
    const path = rawPath.length > 1 ? rawPath.replace(/\/+$/, '') || '/' : rawPath;
    for (const rule of this.rules) {
      if (rule.remaining <= 0) continue;
      if (rule.method !== '*' && rule.method !== method) continue;
      if (!rule.matcher.test(path)) continue;
      if (this.random() >= rule.rate) continue;
      rule.remaining -= 1;
      rule.fired += 1;
      return { status: rule.status, phase: rule.phase ?? (rule.status === 429 ? 'before' : 'failed'), type: rule.type, code: rule.code, message: rule.message };
    }
    return null;
  }
}
