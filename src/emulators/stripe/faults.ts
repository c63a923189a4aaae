/**
 * API faults injected through the control API: `{method, path, status, rate, count}` rules.
 * `path` matches exactly, or with `*` standing for one path segment (`/v1/customers/*`).
 */
import { z } from 'zod';
import type { StripeErrorType } from './errors.ts';

export const apiFaultSchema = z.strictObject({
  method: z.enum(['GET', 'POST', 'DELETE', '*']).default('*'),
  path: z.string().startsWith('/', { error: 'path must start with /' }),
  status: z.number().int().min(400).max(599),
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
}

export interface InjectedFault {
  status: number;
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
          .split('*')
          .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
          .join('[^/]+')}$`,
      ),
      remaining: r.count ?? Number.POSITIVE_INFINITY,
    }));
  }

  clear(): void {
    this.rules = [];
    this.checkoutPage = 'none';
  }

  list(): (ApiFault & { remaining: number | null })[] {
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
      return { status: rule.status, type: rule.type, code: rule.code, message: rule.message };
    }
    return null;
  }
}
