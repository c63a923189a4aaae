/**
 * The Playwright configuration `canary run` runs its child with (`--config` this file): the
 * project's specs (the hand-off's test_dir), reporters into the run's folder, and the summary
 * reporter that writes summary.json. Everything comes from the run's hand-off (CANARY_HANDOFF).
 * The browser comes from the fixtures of `checkout-canary/test` (CANARY_CHROMIUM, Playwright's
 * own, or Debian's /usr/bin/chromium).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from '@playwright/test';
import { readHandoff } from './handoff.ts';
import { playwrightDefaults } from './playwright-defaults.ts';
import { BLOB_DIR } from './shard.ts';

const handoff = readHandoff();
const reportDir = handoff.report_dir;
/** A module of this package beside this config (.ts in the sources, .js once built). */
const sibling = (name: string) => fileURLToPath(new URL(`./${name}${path.extname(import.meta.url)}`, import.meta.url));
const defaults = playwrightDefaults();

export default defineConfig({
  ...defaults,
  testDir: handoff.test_dir,
  outputDir: `${reportDir}/artifacts`,
  reporter: [
    ['list'],
    ['html', { outputFolder: `${reportDir}/html`, open: 'never' }],
    ['json', { outputFile: `${reportDir}/results.json` }],
    ['junit', { outputFile: `${reportDir}/junit.xml` }],
    [sibling('summary-reporter')],
    // A shard (`--shard i/n`) keeps Playwright's blob report, which `canary merge-reports` merges.
    ...(handoff.shard ? [['blob', { outputDir: `${reportDir}/${BLOB_DIR}` }] as [string, object]] : []),
  ],
  use: { ...defaults.use, headless: !handoff.headed },
});
