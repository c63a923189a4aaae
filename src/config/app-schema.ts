/**
 * What a valid adapter is, checked when the config is loaded (before any request): every
 * required step is a function, the optional ones are functions when given, the settings have the
 * values their variables accept. A missing step is named with what it must do.
 */
import { z } from 'zod';
import * as s from './schemas.ts';

const REQUIRED_STEPS = {
  signUp: 'signUp(ctx), which signs a fresh user up with ctx.email',
  startUpgrade: 'startUpgrade(ctx), which opens billing and starts the upgrade, ending on Stripe Checkout',
  verifyUpgraded: "verifyUpgraded(ctx), which proves in the app's UI that the account is on the paid plan",
} as const;

const isFunction = (v: unknown) => typeof v === 'function';
const fn = (what: string) =>
  z.custom<(...args: any[]) => unknown>(isFunction, {
    error: (issue) => (issue.input === undefined ? `missing: the adapter must define ${what}` : `must be a function: ${what}`),
  });
const optionalFn = (what: string) => z.custom<(...args: any[]) => unknown>(isFunction, { error: `must be a function: ${what}` }).optional();

const variable = z.strictObject({
  schema: z
    .custom<z.ZodType>((v) => typeof v === 'object' && v !== null && typeof (v as z.ZodType).safeParse === 'function', {
      error: 'must be a zod schema (z.string(), z.url(), …)',
    })
    .optional(),
  description: z.string().min(1, 'must say what the variable is'),
  default: z.string().optional(),
  secret: z.boolean().optional(),
});

export const appSchema = z.strictObject({
  name: z.string().min(1, 'must name the app'),
  planName: z.string().min(1).optional(),
  url: z
    .union([z.string().pipe(s.url('https://app.example.com')), z.custom<(v: unknown) => unknown>(isFunction)], {
      error: 'must be the app URL (https://…) or a function of the variables that gives it',
    })
    .optional(),
  priceLookupKey: z.string().pipe(s.lookupKey),
  fulfilmentTimeout: z.string().pipe(s.duration).optional(),
  health: z.strictObject({ path: z.string().startsWith('/', 'must be a path on the app, such as /healthz') }).optional(),
  webhookUrl: z
    .string()
    .refine((u) => u.startsWith('/') || URL.canParse(u), 'must be a URL or a path on the app, such as /webhooks/stripe')
    .optional(),
  webhookEvents: z
    .array(z.string().regex(/^(\*|[a-z_]+(\.[a-z_]+)+)$/, 'must be Stripe event types such as invoice.paid'))
    .min(1, 'must name at least one event')
    .optional(),
  stripeLabels: z.array(z.enum(['customer', 'subscription', 'checkout_session'])).optional(),
  variables: z.record(z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'variable names are upper case, e.g. ACME_ADMIN_TOKEN'), variable).optional(),
  start: optionalFn('start(ctx), which starts the app and answers { url, stop }'),
  signUp: fn(REQUIRED_STEPS.signUp),
  startUpgrade: fn(REQUIRED_STEPS.startUpgrade),
  verifyUpgraded: fn(REQUIRED_STEPS.verifyUpgraded),
  verifyNotUpgraded: optionalFn("verifyNotUpgraded(ctx), which proves in the app's UI that the account is still on the free plan"),
  tenant: z
    .strictObject({
      create: fn('tenant.create(ctx, labels), which makes a tenant and answers { id }'),
      delete: fn('tenant.delete(ctx, id)'),
      label: optionalFn('tenant.label(ctx, id, labels)'),
      list: optionalFn('tenant.list(ctx), which answers { tenants }'),
    })
    .optional(),
  readPlan: optionalFn("readPlan(ctx, account), which answers the app's record { plan, paid }"),
  eventProcessed: optionalFn('eventProcessed(ctx, eventId), which answers true, false or null'),
  billing: z
    .strictObject({
      useTestClock: fn("billing.useTestClock(ctx, clockId), which makes the app create the test's Stripe customer on that test clock"),
      verifyState: fn("billing.verifyState(ctx, state), which proves the billing state in the app's UI (paid, past_due, canceling, free)"),
      openPortal: optionalFn("billing.openPortal(ctx), which opens Stripe's customer portal from the app"),
    })
    .optional(),
});
