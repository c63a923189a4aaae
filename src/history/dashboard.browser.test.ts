/**
 * The dashboard opened in headless Chromium, as a person opens reports/index.html: runs written
 * through the history store, the page drawn from it, and every request the page makes recorded —
 * none may leave the machine. The chart's points, the pass rate and the streak must be what the
 * runs say.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright';
import { CHROMIUM_ARGS, findChromium } from '../browser/chromium.ts';
import type { RunSummary } from '../runner/summary-schema.ts';
import { writeDashboard } from './dashboard.ts';
import { openHistory } from './store.ts';
import { runSummary } from './testing/runs.ts';

const NOW = new Date('2026-12-10T12:00:00.000Z');
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000);
const EVIL = `<img src="https://tracker.example.com/x.png">"O'Brien"`;

// Several runs of @critical over ten days, out of order, with each outcome; one of @extended.
const RUNS: RunSummary[] = [
  runSummary({ outcome: 'passed', startedAt: hoursAgo(230), durationMs: 19_800, trigger: 'schedule' }),
  runSummary({
    outcome: 'passed',
    startedAt: hoursAgo(100),
    durationMs: 21_200,
    trigger: 'post-deploy',
    deployer: 'alice@example.com',
    commit: 'a1b2c3d4e5f6',
  }),
  runSummary({
    outcome: 'failed',
    stage: 'webhook',
    startedAt: hoursAgo(30),
    durationMs: 27_400,
    trigger: 'post-deploy',
    deployer: EVIL,
    commit: 'ffff0000aaaa',
  }),
  runSummary({ outcome: 'flaky', startedAt: hoursAgo(20), durationMs: 31_000, trigger: 'schedule' }),
  runSummary({ outcome: 'inconclusive', startedAt: hoursAgo(14), durationMs: 8_100, trigger: 'schedule' }),
  runSummary({ outcome: 'passed', startedAt: hoursAgo(8), durationMs: 18_900, trigger: 'schedule' }),
  runSummary({ outcome: 'aborted', startedAt: hoursAgo(5), durationMs: 4_000, trigger: 'manual' }),
  runSummary({ outcome: 'failed', stage: 'checkout-ui', startedAt: hoursAgo(2), durationMs: 15_300, trigger: 'schedule' }),
  runSummary({ outcome: 'passed', startedAt: hoursAgo(3), durationMs: 44_000, trigger: 'manual', grep: '@extended' }),
];

let browser: Browser;
let reportsDir: string;
let pageUrl: string;

before(async () => {
  reportsDir = mkdtempSync(path.join(os.tmpdir(), 'canary-dashboard-'));
  const store = await openHistory({ CANARY_REPORTS_DIR: reportsDir, CANARY_REPORT_URL: undefined, CANARY_COORDINATOR_URL: undefined });
  try {
    for (const s of [...RUNS].reverse()) await store.append(s, path.join(reportsDir, s.run_id));
    pageUrl = pathToFileURL(await writeDashboard(store, reportsDir, NOW)).href;
  } finally {
    await store.close();
  }
  browser = await chromium.launch({ executablePath: findChromium().path, args: CHROMIUM_ARGS, headless: true });
});

after(async () => {
  let bound: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      browser?.close(),
      new Promise((_, reject) => {
        bound = setTimeout(() => reject(new Error('the browser did not close within 15 s')), 15_000);
      }),
    ]);
  } finally {
    clearTimeout(bound);
    rmSync(reportsDir, { recursive: true, force: true });
  }
});

/**
 * Opens the page, recording every request it makes twice over — at the context's router, which
 * lets only the page itself through, and as the page's own request events.
 */
async function open(): Promise<{ page: Page; requests: () => { routed: string[]; seen: string[] }; close(): Promise<void> }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const routed: string[] = [];
  const seen: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    routed.push(url);
    return url === pageUrl ? route.continue() : route.abort();
  });
  const page = await context.newPage();
  page.on('request', (r) => seen.push(r.url()));
  await page.goto(pageUrl, { waitUntil: 'load', timeout: 30_000 });
  return { page, requests: () => ({ routed, seen }), close: () => context.close() };
}

const ONLY_THE_PAGE = () => ({ routed: [pageUrl], seen: [pageUrl] });

describe('the dashboard in Chromium', () => {
  it('renders the duration chart with one point per run with a verdict, oldest first, at its duration', async () => {
    const { page, requests, close } = await open();
    try {
      const section = page.locator('section.check[data-check="@critical"]');
      await section.locator('svg.duration-chart').waitFor({ state: 'visible', timeout: 10_000 });
      const points = await section.locator('svg.duration-chart circle.point').evaluateAll((els) =>
        els.map((el) => ({
          run: el.getAttribute('data-run-id'),
          ms: Number(el.getAttribute('data-duration-ms')),
          cx: Number(el.getAttribute('cx')),
          cy: Number(el.getAttribute('cy')),
          box: el.getBoundingClientRect().width,
        })),
      );
      const expected = RUNS.filter((s) => s.grep === '@critical' && ['passed', 'failed', 'flaky'].includes(s.outcome)).sort((a, b) =>
        a.started_at.localeCompare(b.started_at),
      );
      assert.deepEqual(
        points.map((p) => [p.run, p.ms]),
        expected.map((s) => [s.run_id, s.duration_ms]),
      );
      assert.ok(
        points.every((p, i) => i === 0 || p.cx > points[i - 1]!.cx),
        'left to right in time',
      );
      assert.ok(
        points.every((p) => p.box > 0),
        'every point is drawn',
      );
      // Higher on the chart is longer: the 31 s flaky run is above the 15.3 s failure.
      const y = (ms: number) => points.find((p) => p.ms === ms)!.cy;
      assert.ok(y(31_000) < y(15_300));
      const polyline = await section.locator('svg.duration-chart polyline.trend').getAttribute('points');
      assert.equal(polyline?.trim().split(/\s+/).length, points.length, 'the trend line joins every point');
      assert.deepEqual(requests(), ONLY_THE_PAGE(), 'only the page itself was loaded');
    } finally {
      await close();
    }
  });

  it('shows the pass rate per window, the failure streak and the timeline of every run', async () => {
    const { page, requests, close } = await open();
    try {
      const section = page.locator('section.check[data-check="@critical"]');
      const rate = (w: string) => section.locator(`tr[data-window="${w}"] td[data-stat="pass-rate"]`).innerText();
      // 24 h: flaky 20 h ago, passed 8 h ago, failed 2 h ago (inconclusive and aborted left out) → 2 of 3.
      assert.equal(await rate('24h'), '66.7%');
      assert.equal(await section.locator('tr[data-window="24h"] td[data-stat="verdicts"]').innerText(), '2 of 3');
      // 7 days adds the failure 30 h ago and the pass 100 h ago → 3 of 5; 30 days the pass 230 h ago → 4 of 6.
      assert.equal(await rate('7d'), '60%');
      assert.equal(await rate('30d'), '66.7%');
      assert.equal(await page.locator('section.check[data-check="@extended"] tr[data-window="24h"] td[data-stat="pass-rate"]').innerText(), '100%');
      const streak = section.locator('.streak');
      assert.equal(await streak.getAttribute('data-streak'), '1');
      assert.match(await streak.innerText(), /^Failing: 1 run in a row since 2026-12-10 10:00 UTC · last passed 2026-12-10 04:00 UTC$/);
      const marks = await section.locator('svg.timeline rect.run').evaluateAll((els) => els.map((el) => el.getAttribute('data-outcome')));
      assert.deepEqual(marks, ['passed', 'passed', 'failed', 'flaky', 'inconclusive', 'passed', 'aborted', 'failed']);
      assert.deepEqual(requests(), ONLY_THE_PAGE());
    } finally {
      await close();
    }
  });

  it('lists the runs with links to their reports, and shows a hostile string as text without loading it', async () => {
    const { page, requests, close } = await open();
    try {
      const rows = page.locator('table.runs tbody tr');
      assert.equal(await rows.count(), RUNS.length);
      const failed = RUNS[2]!;
      const row = page.locator(`table.runs tr[data-run-id="${failed.run_id}"]`);
      assert.equal(await row.locator('td').nth(6).innerText(), EVIL, 'the deployer is shown as it was given');
      assert.match(await row.locator('td').nth(5).innerText(), /^webhook\n/);
      const href = await row.locator('a').getAttribute('href');
      assert.equal(href, `${failed.run_id}/html/index.html`);
      assert.equal(await row.locator('a').evaluate((a) => (a as HTMLAnchorElement).href), new URL(href!, pageUrl).href, 'relative to the page');
      assert.equal(await page.locator('img, script').count(), 0);
      assert.deepEqual(requests(), ONLY_THE_PAGE(), 'the tracker in the string was never requested');
    } finally {
      await close();
    }
  });
});
