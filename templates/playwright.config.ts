/**
 * A plain `npx playwright test` (or `--ui`) of the monitoring specs, without `canary run`: the
 * fixtures read canary.config.ts themselves and start the Stripe emulator and the app as a run
 * would. The summary reporter is opted in, so such a run also writes reports/<run-id>/summary.json.
 */
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: 'canary',
  reporter: [['list'], ['html', { outputFolder: 'reports/playwright', open: 'never' }], ['checkout-canary/reporter', { outputDir: 'reports' }]],
});
