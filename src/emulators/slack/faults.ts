/**
 * An injected Web API failure, set through `POST /_emulator/faults`: calls to `/api/*` (all
 * methods, or the `methods` named) answer `status` instead, with a fraction `rate` of them and
 * at most `count` times. 429 carries `Retry-After: retry_after` as Slack's rate limiting does.
 * The control routes, the page, the upload URLs and the file downloads never fail.
 */
import { z } from 'zod';

export const faultSchema = z
  .strictObject({
    status: z.number().int().min(400).max(599),
    rate: z.number().min(0).max(1).default(1),
    /** Seconds, sent as Retry-After; 429 only. Default 1. */
    retry_after: z.number().int().min(0).max(3600).optional(),
    count: z.number().int().min(1).optional(),
    methods: z
      .array(z.string().regex(/^[a-zA-Z]+(\.[a-zA-Z]+)+$/, { error: "must be a Web API method name such as 'chat.postMessage'" }))
      .min(1)
      .optional(),
  })
  .refine((f) => f.retry_after === undefined || f.status === 429, { error: 'retry_after goes with status 429 only', path: ['retry_after'] });

export type FaultRule = z.output<typeof faultSchema>;

export interface InjectedFault {
  status: number;
  retryAfter: number | null;
  body: { ok: false; error: string };
}

/** The body Slack answers with each status: `ratelimited` for 429, `fatal_error` or `service_unavailable` for 5xx. */
function errorFor(status: number): string {
  if (status === 429) return 'ratelimited';
  if (status === 503) return 'service_unavailable';
  if (status >= 500) return 'fatal_error';
  return 'invalid_request';
}

export class Faults {
  private rule: (FaultRule & { remaining: number }) | null = null;

  constructor(private readonly random: () => number = Math.random) {}

  set(rule: FaultRule): void {
    this.rule = { ...rule, remaining: rule.count ?? Number.POSITIVE_INFINITY };
  }

  clear(): void {
    this.rule = null;
  }

  /** The rule in force with what is left of its count (null: unlimited), or null when none is set. */
  view(): { fault: (FaultRule & { remaining: number | null }) | null } {
    if (!this.rule) return { fault: null };
    const { remaining, ...rule } = this.rule;
    return {
      fault: { ...rule, retry_after: rule.status === 429 ? (rule.retry_after ?? 1) : undefined, remaining: Number.isFinite(remaining) ? remaining : null },
    };
  }

  /** The failure to answer a call of `method` with, if the rule fires (spending one of its count). */
  take(method: string): InjectedFault | null {
    const rule = this.rule;
    if (!rule || rule.remaining <= 0) return null;
    if (rule.methods && !rule.methods.includes(method)) return null;
    if (this.random() >= rule.rate) return null;
    rule.remaining -= 1;
    return {
      status: rule.status,
      retryAfter: rule.status === 429 ? (rule.retry_after ?? 1) : null,
      body: { ok: false, error: errorFor(rule.status) },
    };
  }
}
