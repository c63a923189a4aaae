/**
 * `checkout-canary`: what a project's `canary.config.ts` and its adapter import. (Specs import
 * `checkout-canary/test`.) Kept light: the `canary` command loads it with every config file.
 */
export { defineConfig, type CanaryConfig } from './config/define-config.ts';
export {
  defineApp,
  type AppAdapter,
  type AppApiContext,
  type AppPlan,
  type AppStartContext,
  type AppUiContext,
  type BillingState,
  type BillingSteps,
  type AppVariable,
  type AppVariables,
  type StartedApp,
  type StripeLabelledObject,
  type Tenant,
  type VariableValues,
} from './app/define-app.ts';
export type { RunSummary, TestSummary, RunOutcome, TestOutcome } from './runner/summary-schema.ts';
export type { Stage } from './errors.ts';
/** zod, for the schemas of an adapter's variables (one copy: the harness's). */
export { z } from 'zod';
