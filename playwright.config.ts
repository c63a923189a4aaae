/**
 * Playwright configuration for the monitoring specs in tests/. Chromium comes from
 * findChromium() (CANARY_CHROMIUM, Playwright's own, or Debian's /usr/bin/chromium), with the
 * flags it needs on machines without a general network.
 */
import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, findChromium } from './src/browser/chromium.ts';

export default defineConfig({
  testDir: 'tests',
  testMatch: '**/*.spec.ts',
  fullyParallel: true,
  forbidOnly: true,
  retries: 0,
  reporter: 'list',
  outputDir: 'reports/test-results',
  use: {
    headless: true,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: findChromium().path,
      args: CHROMIUM_ARGS,
    },
  },
});
