/**
 * Sends the probe's requests through the official SDK (`stripe.rawRequest`), as an integration's
 * client would, and classifies each answer.
 */
import qs from 'qs';
import Stripe from 'stripe';
import type { Params } from './endpoints.ts';

/** How the server answered one parameter. */
export type Outcome =
  /** 2xx. */
  | 'accepted'
  /** 400 `parameter_unknown`: the server does not know the parameter (or a member the probe sent). */
  | 'unknown'
  /** 404 `Unrecognized request URL`: the server has no such route. */
  | 'route missing'
  /** Another 4xx: the server knows the parameter but refused the request (its message says why). */
  | 'refused'
  /** 5xx or no answer. */
  | 'error';

export interface Answer {
  status: number | null;
  body?: Params;
  code?: string;
  /** The parameter the server's error names, e.g. `subscription_data[trial_period_days]`. */
  param?: string;
  message?: string;
}

export function classify(answer: Answer): Outcome {
  const { status } = answer;
  if (status === null || status >= 500) return 'error';
  if (status < 300) return 'accepted';
  if (answer.code === 'parameter_unknown') return 'unknown';
  if (status === 404 && answer.message?.startsWith('Unrecognized request URL')) return 'route missing';
  return 'refused';
}

/** The SDK's test key convention; the emulator takes any `sk_test_…` key. */
const KEY = 'sk_test_checkout_canary_probe';
const TIMEOUT_MS = 10_000;

export class ProbeClient {
  private readonly stripe: Stripe;

  constructor(readonly url: URL) {
    this.stripe = new Stripe(KEY, {
      host: url.hostname,
      port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
      protocol: url.protocol === 'https:' ? 'https' : 'http',
      maxNetworkRetries: 0,
      timeout: TIMEOUT_MS,
      telemetry: false,
    });
  }

  async send(method: 'GET' | 'POST' | 'DELETE', path: string, params: Params = {}): Promise<Answer> {
    // rawRequest takes parameters on POST only; GET and DELETE carry them in the query, encoded
    // as the SDK's resource methods encode them (brackets, indexed arrays).
    const query = method === 'POST' ? '' : qs.stringify(params, { arrayFormat: 'indices' }).replace(/%5B/g, '[').replace(/%5D/g, ']');
    try {
      const body = (await this.stripe.rawRequest(
        method,
        query ? `${path}?${query}` : path,
        method === 'POST' ? (params as Parameters<Stripe['rawRequest']>[2]) : undefined,
      )) as Params & {
        lastResponse?: { statusCode?: number };
      };
      const { lastResponse, ...rest } = body;
      return { status: lastResponse?.statusCode ?? 200, body: rest };
    } catch (err) {
      if (err instanceof Stripe.errors.StripeError) {
        // A connection error's message is generic; its cause (ECONNREFUSED, a timeout) is in `detail`.
        const detail = err.detail instanceof Error ? ((err.detail as NodeJS.ErrnoException).code ?? err.detail.message) : undefined;
        const message = err.statusCode === undefined && detail ? `${err.message.replace(/\.$/, '')} (${detail})` : err.message;
        return { status: err.statusCode ?? null, code: err.code, param: err.param, message };
      }
      throw err;
    }
  }

  /** Sends, and throws unless the answer is 2xx: for the fixtures the probe cannot do without. */
  async must(method: 'GET' | 'POST' | 'DELETE', path: string, params: Params = {}): Promise<Params> {
    const answer = await this.send(method, path, params);
    if (answer.status !== null && answer.status < 300 && answer.body) return answer.body;
    throw new Error(`${method} ${path} answered ${answer.status ?? 'nothing'}: ${answer.message ?? 'no message'}`);
  }
}
