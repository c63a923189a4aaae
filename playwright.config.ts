/**
 * Playwright configuration for the monitoring specs in tests/. `canary run` hands the run's
 * settings over in CANARY_HANDOFF (src/runner/handoff.ts); its summary reporter writes
 * summary.json. Chromium comes from findChromium() (CANARY_CHROMIUM, Playwright's own, or
 * Debian's /usr/bin/chromium).
 */
import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, findChromium, videoRecorderInstalled } from './src/browser/chromium.ts';
import { handoffIfPresent } from './src/runner/handoff.ts';
import { BLOB_DIR } from './src/runner/shard.ts';

const handoff = handoffIfPresent();
const reportDir = handoff?.report_dir ?? 'reports/playwright';

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
    // summary.json: only for a run of `canary run`, whose hand-off it needs.
    ...(handoff ? [['./src/runner/summary-reporter.ts'] as [string]] : []),
    // A shard (`--shard i/n`) keeps Playwright's blob report, which `canary merge-reports` merges.
    ...(handoff?.shard ? [['blob', { outputDir: `${reportDir}/${BLOB_DIR}` }] as [string, object]] : []),
  ],
  use: {
    headless: !handoff?.headed,
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
