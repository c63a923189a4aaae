/**
 * checkout-canary's configuration for this project (https://www.npmjs.com/package/checkout-canary):
 * typed, and checked before every run — every problem is named with its path. Environment
 * variables and flags win over this file; secrets (STRIPE_SECRET_KEY, SLACK_BOT_TOKEN) stay in the
 * environment or .env, never here. Every key: node_modules/checkout-canary/docs/configuration.md.
 */
import { defineConfig } from 'checkout-canary';
import { demoApp } from './apps/demo-app.ts';

export default defineConfig({
  // YOUR APP: the adapter that drives your app; it starts as a copy of the bundled demo app's.
  app: demoApp,
  // The monitoring specs: *.spec.ts files importing from checkout-canary/test.
  testDir: 'canary',
  suites: { default: '@critical', schedule: '@critical' },
  timeout: '10m',
  retention: { failed: '7d' },
  // Slack: set SLACK_BOT_TOKEN in the environment, and the channel here (or in SLACK_CHANNEL_ID).
  alerts: { alertAfter: 1, remindEvery: 4 },
  schedule: { cron: '0 */6 * * *', pruneCron: '0 3 * * *', timezone: 'UTC' },
  reports: { dir: 'reports' },
});
