/**
 * The Playwright settings every canary run uses, in `canary run` (playwright.config.ts beside
 * this file) as in a plain `npx playwright test` of this repository: bounds on every wait, and
 * traces, video and screenshots kept for failed tests.
 */
import type { PlaywrightTestConfig } from '@playwright/test';
import { videoRecorderInstalled } from '../browser/chromium.ts';

/** The specs a run finds in its testDir: `*.spec.ts` are monitoring checks (the project's own tests are `*.test.ts`). */
export const SPEC_FILES = '**/*.spec.{ts,js,mts,mjs}';

export function playwrightDefaults(): PlaywrightTestConfig {
  return {
    testMatch: SPEC_FILES,
    fullyParallel: true,
    forbidOnly: true,
    retries: 0,
    timeout: 60_000,
    expect: { timeout: 10_000 },
    use: {
      actionTimeout: 15_000,
      navigationTimeout: 20_000,
      trace: 'retain-on-failure',
      // Playwright records video with its own ffmpeg build, which cannot be downloaded everywhere.
      video: videoRecorderInstalled() ? 'retain-on-failure' : 'off',
      screenshot: 'only-on-failure',
    },
  };
}
