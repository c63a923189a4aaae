/**
 * `checkout-canary/demo-app`: the bundled demo app, for projects that start from it — its adapter
 * (the reference example: spread it into `defineApp({ ...demoApp, … })` to change a part), its
 * page object and admin API client (what a copy of the adapter imports), and the program itself
 * (`startDemoApp`, what the adapter's `start` runs).
 */
export { demoApp } from './adapter.ts';
export { DemoAdminClient, type AcknowledgedEvent, type Account, type Environment } from './admin-client.ts';
export { DemoAppPage, type DemoAppTarget, type PlanName } from './demo-app.page.ts';
export { startDemoApp, type DemoAppOptions, type RunningDemoApp } from '../../src/demo-app/index.ts';
export { demoAppSchemas, FAULT_LIST } from '../../src/demo-app/settings.ts';
