/**
 * A plain `npx playwright test` (or `--ui`) of this repository's specs in tests/: the same specs
 * `canary run` runs, without it. The fixtures of fixtures/index.ts read the project's settings
 * themselves and start the embedded Stripe emulator and demo app per worker; the reports are
 * Playwright's own (no summary.json, no cleanup report, no alert, no history).
 */
import { defineConfig } from '@playwright/test';
import { playwrightDefaults } from './src/runner/playwright-defaults.ts';

export default defineConfig({
  ...playwrightDefaults(),
  testDir: 'tests',
  outputDir: 'reports/playwright/artifacts',
  reporter: [['list'], ['html', { outputFolder: 'reports/playwright/html', open: 'never' }]],
});
