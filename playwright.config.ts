/**
 * Playwright configuration for the monitoring specs in tests/. `canary run` sets the
 * environment (run id, report folder, targets); Chromium comes from findChromium()
 * (CANARY_CHROMIUM, Playwright's own, or Debian's /usr/bin/chromium).
 */
import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, findChromium, videoRecorderInstalled } from './src/browser/chromium.ts';

const reportDir = process.env.CANARY_REPORT_DIR ?? 'reports/playwright';

export default defineConfig({
  testDir: 'tests',
  testMatch: '**/*.spec.ts',
  fullyParallel: true,
  forbidOnly: true,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  outputDir: `${reportDir}/artifacts`,
  reporter: [
    ['list'],
    ['html', { outputFolder: `${reportDir}/html`, open: 'never' }],
    ['json', { outputFile: `${reportDir}/results.json` }],
    ['junit', { outputFile: `${reportDir}/junit.xml` }],
  ],
  use: {
    headless: process.env.CANARY_HEADED !== '1',
    actionTimeout: 15_000,
    navigationTimeout: 20_000,
    trace: 'retain-on-failure',
    // Playwright records video with its own ffmpeg build, which cannot be downloaded everywhere.
    video: videoRecorderInstalled() ? 'retain-on-failure' : 'off',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: findChromium().path,
      args: CHROMIUM_ARGS,
    },
  },
});
