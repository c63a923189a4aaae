/**
 * The app adapter: what is the app's in the journey, written by the team that owns the app. The
 * harness keeps what is Stripe's — the Checkout page, the cards, the API assertions, the webhook
 * evidence, cleanup, the summary, alerts and history — and calls the adapter for the rest: sign a
 * fresh user up, start the upgrade until the browser is on Stripe Checkout, prove the upgrade in
 * the app's UI, and, where the app has them, its tenants, its own record of an account's plan and
 * of the Stripe events it processed.
 *
 * Every function receives a context; the UI steps get the test's Playwright page. Steps run in
 * Playwright's worker processes and `start`/`tenant.list` in the `canary` process, so an adapter
 * keeps nothing in module state between them: what one step learns for the next goes on
 * `ctx.state` (one object per test).
 */
import type { Page } from '@playwright/test';
import type { z } from 'zod';

/** An environment variable the adapter reads: validated with everything else before a run starts (exit 2 naming it). */
export interface AppVariable<S extends z.ZodType = z.ZodType> {
  /** Checks (and may transform) the raw string; absent: any string. Make it `.optional()` unless the app needs it. */
  schema?: S;
  description: string;
  /** Default raw value when the variable is unset. */
  default?: string;
  /** Its value never appears in output, reports or alerts. */
  secret?: boolean;
}

export type AppVariables = Record<string, AppVariable>;

/** The parsed values of the adapter's variables. */
export type VariableValues<V extends AppVariables> = {
  [K in keyof V]: V[K]['schema'] extends z.ZodType ? z.output<V[K]['schema']> : string | undefined;
};

/** A tenant (workspace, organisation, environment) the journey creates for itself. */
export interface Tenant {
  id: string;
  /** Unix seconds, as the app recorded it (prune ages tenants by it). */
  created?: number;
  labels?: Record<string, string>;
}

/** What every adapter function is given. */
export interface AppApiContext<V extends AppVariables = AppVariables> {
  /** The app's base URL, e.g. https://staging.example.com (no trailing slash). */
  url: string;
  variables: VariableValues<V>;
}

/** What the UI steps are given: one object per test, shared by its steps. */
export interface AppUiContext<V extends AppVariables = AppVariables> extends AppApiContext<V> {
  page: Page;
  /** The run's unique address for this test: sign up with it (the harness finds the Stripe customer by it). */
  email: string;
  /** A display name, and a password good for most sign-up forms (unique per test). */
  name: string;
  password: string;
  run: {
    id: string;
    /** What the app should copy into Stripe metadata (at least `canary_run_id`) so cleanup and prune find what the run made. */
    labels: Record<string, string>;
  };
  /** This test's tenant, when the adapter creates them. */
  tenant: Tenant | null;
  /** How long the app may take to show the upgrade after paying (the fulfilment timeout), for `verifyUpgraded`'s waits. */
  timeoutMs: number;
  /** Scratch space for this test: what `signUp` learns for `startUpgrade` (an account id, a page object). */
  state: Record<string, unknown>;
}

/** What `start` is given: the Stripe the run uses, and the run. */
export interface AppStartContext<V extends AppVariables = AppVariables> {
  stripe: { secretKey: string; apiUrl: string | null };
  run: { id: string; labels: Record<string, string> };
  variables: VariableValues<V>;
}

/** An app `start` started for the run. */
export interface StartedApp {
  url: string;
  /** Raw values of the adapter's variables to use while it runs (e.g. an admin token it made up); secret ones stay redacted. */
  variables?: Record<string, string>;
  stop(): Promise<void>;
}

/** The app's own record of an account. */
export interface AppPlan {
  /** The plan's name as the app says it, e.g. "pro". */
  plan: string;
  /** Whether the account has the paid plan's access. */
  paid: boolean;
  /** The Stripe customer the app linked to the account, when it says. */
  customer?: string | null;
  /** The Stripe subscriptions the app holds for the account, when it says (the journey checks it holds exactly Stripe's one). */
  subscriptions?: string[];
  /** The paid plan's state as the app records it, when it says: Stripe's subscription status ("active", "past_due", …). */
  status?: string | null;
}

/**
 * A billing state the app's UI must show, for the renewal and portal specs. Dates are the UTC day
 * (YYYY-MM-DD) of the Stripe timestamp they come from.
 */
export type BillingState =
  /** On the paid plan, renewing on `renewsOn` (the subscription's current period end). */
  | { kind: 'paid'; renewsOn: string }
  /** On the paid plan, whose last renewal payment failed (Stripe's `past_due`): the app asks for a new card. */
  | { kind: 'past_due' }
  /** On the paid plan until `endsOn`, then free (canceled at period end). */
  | { kind: 'canceling'; endsOn: string }
  /** On the free plan again (the subscription ended). */
  | { kind: 'free' };

/**
 * What the billing lifecycle specs (`@extended`: a renewal on a Stripe test clock, a cancellation
 * in Stripe's customer portal) need from the app beyond the upgrade. An adapter without it runs
 * the upgrade specs only; those specs are then skipped with the reason.
 */
export interface BillingSteps<V extends AppVariables = AppVariables> {
  /**
   * Before sign-up: the customer the app creates for this test's user must be created on Stripe
   * test clock `clockId` (Stripe attaches a customer to a clock only when it is created:
   * `customers.create({ test_clock })`). For example a test-only setting on the test's tenant.
   */
  useTestClock(ctx: AppUiContext<V>, clockId: string): Promise<void>;
  /** Proves in the app's UI that the account shows `state` (reload as a user would; wait up to `ctx.timeoutMs`). */
  verifyState(ctx: AppUiContext<V>, state: BillingState): Promise<void>;
  /** From the app's UI, opens Stripe's customer portal ("Manage billing"): it ends when the browser is on the portal. */
  openPortal?(ctx: AppUiContext<V>): Promise<void>;
}

export type StripeLabelledObject = 'customer' | 'subscription' | 'checkout_session';

export interface AppAdapter<V extends AppVariables = AppVariables> {
  /** Names the app in reports and messages. */
  name: string;
  /** The paid plan's name in messages ("Pro"). Default "the paid plan". */
  planName?: string;
  /** The deployed app's base URL, or a function of the variables that gives it; CANARY_APP_URL wins. */
  url?: string | ((variables: VariableValues<V>) => string | undefined);
  /** The lookup_key of the paid plan's price, which Checkout must charge; CANARY_PRICE_LOOKUP_KEY wins. */
  priceLookupKey: string;
  /** How long the app may take to show the upgrade after paying, e.g. "15s" (default); CANARY_FULFILMENT_TIMEOUT_MS wins. */
  fulfilmentTimeout?: string;
  /** Where the app answers its health check with JSON `{ "version": … }` (path on the app's URL), e.g. "/healthz". */
  health?: { path: string };
  /**
   * The app's Stripe webhook endpoint (absolute, or a path on the app's URL), to tell its
   * deliveries from other endpoints'. Default: any endpoint on the app's origin.
   */
  webhookUrl?: string;
  /**
   * The Stripe events the app's endpoint must be subscribed to (`canary doctor` checks it; after a
   * refused card the journey waits for the app to acknowledge those about the customer). Default:
   * the events of a plan change — checkout.session.completed, customer.subscription.created,
   * .updated and .deleted, invoice.paid and invoice.payment_failed.
   */
  webhookEvents?: string[];
  /**
   * The Stripe objects the app labels with the run's labels (from its tenant, or its sign-up):
   * the harness checks they carry them. It labels the customer itself where the app does not.
   */
  stripeLabels?: StripeLabelledObject[];
  /** Environment variables the adapter reads (validated before any run; `ctx.variables`). */
  variables?: V;

  /** Starts the app for a run when it has no URL (the bundled demo app does, against the run's Stripe). */
  start?(ctx: AppStartContext<V>): Promise<StartedApp>;

  /** Signs up (or logs in) a fresh user with `ctx.email`, ending signed in on a page of the app. */
  signUp(ctx: AppUiContext<V>): Promise<void>;
  /** Opens billing and starts the upgrade: it ends when the browser is on Stripe Checkout. */
  startUpgrade(ctx: AppUiContext<V>): Promise<void>;
  /** Back from Checkout: proves in the app's UI that the account is on the paid plan (wait up to `ctx.timeoutMs`). */
  verifyUpgraded(ctx: AppUiContext<V>): Promise<void>;
  /** After a refused card: proves in the app's UI that the account is still on the free plan. */
  verifyNotUpgraded?(ctx: AppUiContext<V>): Promise<void>;

  /** Isolated tenants: one per test, deleted when it passes, kept (and labelled) when it fails, pruned later. */
  tenant?: {
    create(ctx: AppApiContext<V>, labels: Record<string, string>): Promise<Tenant>;
    delete(ctx: AppApiContext<V>, id: string): Promise<void>;
    /** Adds labels (the failed test's marks) and answers the tenant; without it a kept tenant is not marked. */
    label?(ctx: AppApiContext<V>, id: string, labels: Record<string, string>): Promise<Tenant>;
    /** Every tenant, with `created` and `labels`, for `canary prune`; `now` is the app's clock (unix ms) when it tells. */
    list?(ctx: AppApiContext<V>): Promise<{ tenants: Tenant[]; now?: number }>;
  };
  /**
   * The app's own record of the account signed up with `email` (in `tenant`), or null when it has
   * none. `canary check reconcile` reads it for the account of a Stripe `customer` (no tenant
   * then: tell it from the customer's metadata where the app put it there).
   */
  readPlan?(
    ctx: AppApiContext<V>,
    account: { email: string; tenant: Tenant | null; customer?: { id: string; metadata: Record<string, string> } },
  ): Promise<AppPlan | null>;
  /**
   * Whether the app processed the Stripe event `eventId` (true/false), or null when it cannot
   * tell. On real Stripe this is the only per-endpoint webhook verdict there is.
   */
  eventProcessed?(ctx: AppApiContext<V>, eventId: string): Promise<boolean | null>;
  /** The billing lifecycle after the upgrade: renewals on a test clock, the customer portal (the `@extended` specs). */
  billing?: BillingSteps<V>;
}

/** Declares an app adapter, typed: `ctx.variables` carries the parsed values of the variables it declares. */
export function defineApp<const V extends AppVariables = Record<never, AppVariable>>(app: AppAdapter<V>): AppAdapter<V> {
  return app;
}
