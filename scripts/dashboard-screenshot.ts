/**
 * Draws docs/dashboard.png: the dashboard (reports/index.html) of ten days of realistic runs —
 * scheduled every six hours, post-deploy runs after each deploy, a webhook incident, a flaky run,
 * an inconclusive one, and a failure streak still going — written through the SQLite history
 * and rendered in headless Chromium with no network.
 * Usage: node --import tsx scripts/dashboard-screenshot.ts [OUT.png]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright';
import { CHROMIUM_ARGS, findChromium } from '../src/browser/chromium.ts';
import { writeDashboard } from '../src/history/dashboard.ts';
import { openHistory } from '../src/history/store.ts';
import { runSummary, type RunSpec } from '../src/history/testing/runs.ts';

const out = path.resolve(process.argv[2] ?? 'docs/dashboard.png');
const NOW = new Date('2026-12-10T15:30:00.000Z');
const HOUR = 3_600_000;

// A seeded generator, so the picture is the same every time.
let seed = 42;
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const around = (ms: number, spread: number) => Math.round(ms + (random() + random() + random() - 1.5) * spread);

const start = NOW.getTime() - 10 * 24 * HOUR;
const specs: RunSpec[] = [];
for (let t = Math.ceil(start / (6 * HOUR)) * 6 * HOUR; t < NOW.getTime(); t += 6 * HOUR) {
  specs.push({ outcome: 'passed', startedAt: new Date(t + 20_000), durationMs: around(19_500, 2500), trigger: 'schedule' });
}
const deployers = ['alice@example.com', 'bob@example.com', 'carol@example.com'];
for (let day = 0; day < 10; day++) {
  for (let k = 0; k < 1 + Math.floor(random() * 2); k++) {
    const t = start + day * 24 * HOUR + (9 + Math.floor(random() * 8)) * HOUR + Math.floor(random() * 50) * 60_000;
    specs.push({
      outcome: 'passed',
      startedAt: new Date(t),
      durationMs: around(21_000, 3000),
      trigger: 'post-deploy',
      deployer: deployers[Math.floor(random() * 3)]!,
      commit: Math.floor(random() * 2 ** 52)
        .toString(16)
        .padStart(13, '0')
        .slice(0, 12),
    });
  }
}
specs.sort((a, b) => Date.parse(String(a.startedAt)) - Date.parse(String(b.startedAt)));
const at = (i: number, over: Partial<RunSpec>) => Object.assign(specs[i]!, over);
// A webhook incident three days ago: a deploy broke the handler, a fix came two runs later.
const incident = specs.findIndex((s) => s.trigger === 'post-deploy' && Date.parse(String(s.startedAt)) > NOW.getTime() - 3.5 * 24 * HOUR);
for (const i of [incident, incident + 1, incident + 2]) at(i, { outcome: 'failed', stage: 'webhook', durationMs: around(27_000, 1500) });
at(Math.floor(specs.length * 0.3), { outcome: 'flaky', durationMs: around(31_000, 2000) });
at(Math.floor(specs.length * 0.55), { outcome: 'inconclusive', stage: 'checkout-blocked', durationMs: 8_400 });
// Still failing now: a deploy shows the wrong price on Checkout.
const n = specs.length;
at(n - 2, { outcome: 'failed', stage: 'checkout-ui', trigger: 'post-deploy', deployer: 'carol@example.com', commit: '7d1e0c4b9a2f', durationMs: 14_800 });
at(n - 1, { outcome: 'failed', stage: 'checkout-ui', trigger: 'schedule', deployer: null, commit: null, durationMs: 15_200 });

const reportsDir = mkdtempSync(path.join(os.tmpdir(), 'canary-dashboard-'));
const config = { CANARY_REPORTS_DIR: reportsDir, CANARY_REPORT_URL: undefined, CANARY_COORDINATOR_URL: undefined };
const store = await openHistory(config);
let file: string;
try {
  for (const spec of specs) {
    const s = runSummary(spec);
    await store.append(s, path.join(reportsDir, s.run_id));
  }
  file = await writeDashboard(store, reportsDir, NOW);
} finally {
  await store.close();
}

const browser = await chromium.launch({ executablePath: findChromium().path, args: CHROMIUM_ARGS, headless: true });
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  // Nothing but the page itself may load.
  await context.route('**/*', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
  const page = await context.newPage();
  await page.goto(pathToFileURL(file).href);
  const table = await page.locator('table.runs tbody tr').nth(7).boundingBox();
  await page.screenshot({ path: out, fullPage: true, clip: { x: 0, y: 0, width: 1280, height: Math.ceil((table?.y ?? 1100) + (table?.height ?? 0)) } });
  console.log(`wrote ${path.relative(process.cwd(), out)} (${specs.length} runs)`);
} finally {
  await browser.close();
  rmSync(reportsDir, { recursive: true, force: true });
}
