/** The dashboard as a pure function: its sections, numbers, links, and every string escaped. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { formatDurationMs, formatRate, renderDashboard, reportHref } from './dashboard.ts';
import { entryOf, type StoredEntry } from './entry.ts';
import { runSummary, type RunSpec } from './testing/runs.ts';

const NOW = new Date('2026-12-10T12:00:00.000Z');
const REPORTS = '/srv/reports';
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000);

function entry(spec: Omit<RunSpec, 'startedAt'> & { hoursAgo: number }, reportUrl?: string): StoredEntry {
  const s = runSummary({ ...spec, startedAt: hoursAgo(spec.hoursAgo) });
  return entryOf(s, path.join(REPORTS, s.run_id), { reportsDir: REPORTS, reportUrl });
}

const render = (entries: StoredEntry[]) => renderDashboard(entries, NOW, { source: 'history.sqlite (SQLite)' });

describe('renderDashboard', () => {
  it('draws a section per check, newest check first, with its streak, stats per window, timeline and duration points', () => {
    const html = render([
      entry({ outcome: 'passed', hoursAgo: 40, durationMs: 20_000 }),
      entry({ outcome: 'failed', stage: 'webhook', hoursAgo: 12, durationMs: 27_000 }),
      entry({ outcome: 'inconclusive', hoursAgo: 6, durationMs: 8_000 }),
      entry({ outcome: 'failed', stage: 'webhook', hoursAgo: 2, durationMs: 26_000 }),
      entry({ outcome: 'passed', hoursAgo: 30, durationMs: 41_000, grep: '@extended' }),
    ]);
    const sections = [...html.matchAll(/<section class="check" data-check="([^"]+)">/g)].map((m) => m[1]);
    assert.deepEqual(sections, ['@critical', '@extended']);
    const critical = html.slice(html.indexOf('data-check="@critical"'), html.indexOf('data-check="@extended"'));
    assert.match(critical, /<div class="streak failing" data-streak="2"><strong>Failing: 2 runs in a row<\/strong> since 2026-12-10 00:00 UTC/);
    assert.match(critical, /<tr data-window="24h">.*?<td data-stat="runs">3<\/td><td data-stat="pass-rate">0%<\/td>/);
    assert.match(critical, /<tr data-window="7d">.*?<td data-stat="runs">4<\/td><td data-stat="pass-rate">33\.3%<\/td>/);
    assert.equal((critical.match(/<rect class="run"/g) ?? []).length, 4, 'every run is on the timeline');
    const points = [...critical.matchAll(/<circle class="point"[^>]*data-duration-ms="(\d+)"/g)].map((m) => Number(m[1]));
    assert.deepEqual(points, [20_000, 27_000, 26_000], 'runs with a verdict, oldest first');
    assert.match(html, /<td data-stat="pass-rate">100%<\/td>/, '@extended passed');
  });

  it('a passing check says so, with its last failure', () => {
    const html = render([entry({ outcome: 'failed', hoursAgo: 5, durationMs: 1 }), entry({ outcome: 'flaky', hoursAgo: 1, durationMs: 1 })]);
    assert.match(
      html,
      /<div class="streak passing" data-streak="0"><strong>Passing<\/strong> · last verdict 2026-12-10 11:00 UTC · last failure 2026-12-10 07:00 UTC/,
    );
  });

  it('with no runs, says so', () => {
    const html = render([]);
    assert.match(html, /No runs recorded in the last 30 days\./);
    assert.doesNotMatch(html, /<section class="check"/);
  });

  it('escapes every string from the history: text, attributes, titles', () => {
    const evil = `"><script>alert(1)</script><img src=x onerror=alert(2)>'`;
    const e = entry({ outcome: 'failed', stage: 'app-ui', hoursAgo: 1, durationMs: 5000, deployer: evil, commit: evil, grep: evil });
    e.failing_test = evil;
    e.run_id = `canary_${evil}`;
    const html = render([e]);
    assert.doesNotMatch(html, /<script|<img|onerror=alert\(2\)>/i);
    assert.match(html, /&quot;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;&lt;img src=x onerror=alert\(2\)&gt;&#39;/);
    assert.match(html, /data-check="&quot;&gt;&lt;script&gt;/);
  });

  it('loads nothing: no script, no external stylesheet, font or image, and a policy that forbids fetching', () => {
    const html = render([entry({ outcome: 'passed', hoursAgo: 1, durationMs: 20_000 }, 'https://reports.example.com/canary')]);
    assert.doesNotMatch(html, /<script|<iframe|<object|<embed|@import|url\(|\ssrc=/i);
    assert.deepEqual(
      [...html.matchAll(/<link [^>]*>/g)].map((m) => m[0]),
      ['<link rel="icon" href="data:,">'],
    );
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">/);
    // The only URLs are links to the runs' reports.
    const urls = [...html.matchAll(/https?:\/\/[^"'<\s]+/g)].map((m) => m[0]);
    assert.ok(urls.length > 0 && urls.every((u) => u.startsWith('https://reports.example.com/canary/canary_')), urls.join(' '));
  });
});

describe('reportHref', () => {
  it('prefers the published report, else the folder relative to the page; never a script URL', () => {
    assert.equal(
      reportHref({ report_url: 'https://r.example.com/x/html/index.html', report_path: 'x/html/index.html' }),
      'https://r.example.com/x/html/index.html',
    );
    assert.equal(reportHref({ report_url: null, report_path: 'x/html/index.html' }), 'x/html/index.html');
    assert.equal(reportHref({ report_url: 'javascript:alert(1)', report_path: 'x/html/index.html' }), 'x/html/index.html');
    assert.equal(reportHref({ report_url: null, report_path: 'javascript:alert(1)' }), null);
    assert.equal(reportHref({ report_url: null, report_path: '//evil.example.com/x' }), null);
  });
});

describe('formatting', () => {
  it('durations and rates', () => {
    assert.deepEqual([0, 950, 20_400, 65_000, 3_725_000, null].map(formatDurationMs), ['0.0 s', '0.9 s', '20.4 s', '1 min 5 s', '1 h 2 min', '—']);
    assert.deepEqual([1, 0.975, 2 / 3, 0, null].map(formatRate), ['100%', '97.5%', '66.7%', '0%', '—']);
  });
});
