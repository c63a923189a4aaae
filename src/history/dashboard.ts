/**
 * `reports/index.html`: the run history as one static page — per check, the current failure
 * streak, the pass rate and p50/p95 duration over 24 h / 7 days / 30 days, a timeline of runs
 * coloured by outcome and a duration trend chart; then the recent runs with links to their
 * reports. Inline CSS and inline SVG only, no script, and a Content-Security-Policy that forbids
 * fetching anything, so it renders the same offline, from a file, or published. `renderDashboard`
 * is a pure function of the entries and the time; every string from the history is escaped.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { STAGE_TITLES, type Stage } from '../errors.ts';
import type { HistoryEntry } from './entry.ts';
import { failureStreak, hasVerdict, WINDOWS, windowStats } from './stats.ts';
import type { HistoryStore } from './history-store.ts';

/** The dashboard shows the runs of the last 30 days, at most this many (the newest). */
export const DASHBOARD_DAYS = 30;
export const DASHBOARD_MAX_RUNS = 2000;
/** Rows of the recent-runs table. */
const RECENT_ROWS = 100;
export const DASHBOARD_FILE = 'index.html';

export const OUTCOME_COLOURS: Record<string, string> = {
  passed: '#1a7f37',
  flaky: '#bf8700',
  failed: '#cf222e',
  inconclusive: '#8250df',
  aborted: '#6e7781',
  'no-tests': '#afb8c1',
  running: '#0969da',
};
const OUTCOME_ORDER = ['passed', 'flaky', 'failed', 'inconclusive', 'aborted', 'no-tests', 'running'];

export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
const esc = escapeHtml;

/** Where a run's report is: its published URL, else its folder relative to this page; null for anything else (no `javascript:`). */
export function reportHref(e: Pick<HistoryEntry, 'report_url' | 'report_path'>): string | null {
  if (e.report_url && /^https?:\/\//i.test(e.report_url)) return e.report_url;
  if (e.report_path && !/^[a-z][a-z0-9+.-]*:/i.test(e.report_path) && !e.report_path.startsWith('//')) return e.report_path;
  return null;
}

export function formatTime(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

export function formatDurationMs(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

export function formatRate(rate: number | null): string {
  return rate === null ? '—' : `${Math.round(rate * 1000) / 10}%`;
}

function stageText(stage: string | null): string {
  if (!stage) return '';
  const title = STAGE_TITLES[stage as Stage];
  return title ? `<span title="${esc(title)}">${esc(stage)}</span>` : esc(stage);
}

// ---- the charts

const W = 960;
const M = { left: 56, right: 16, top: 10, bottom: 24 };
const HOUR = 3_600_000;
const TICK_STEPS = [HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, 24 * HOUR, 48 * HOUR, 7 * 24 * HOUR];

interface Domain {
  from: number;
  to: number;
}

const xOf = (d: Domain, t: number) => M.left + ((t - d.from) / Math.max(1, d.to - d.from)) * (W - M.left - M.right);
const r1 = (n: number) => Math.round(n * 10) / 10;

/** Vertical grid lines with their dates, at whole UTC hours or days. */
function timeAxis(d: Domain, top: number, bottom: number): string {
  const step = TICK_STEPS.find((s) => (d.to - d.from) / s <= 8) ?? TICK_STEPS.at(-1)!;
  const parts: string[] = [];
  for (let t = Math.ceil(d.from / step) * step; t <= d.to; t += step) {
    const x = r1(xOf(d, t));
    const iso = new Date(t).toISOString();
    const label = step >= 24 * HOUR ? iso.slice(5, 10) : `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
    parts.push(
      `<line class="grid" x1="${x}" x2="${x}" y1="${top}" y2="${bottom}"/><text class="axis" x="${x}" y="${bottom + 16}" text-anchor="middle">${label}</text>`,
    );
  }
  return parts.join('');
}

function runTitle(e: HistoryEntry): string {
  const stage = e.failing_stage ? ` at ${e.failing_stage}` : '';
  return `${formatTime(e.started_at)} · ${e.outcome}${stage} · ${formatDurationMs(e.duration_ms)} · ${e.trigger} · ${e.run_id}`;
}

function linked(e: HistoryEntry, inner: string): string {
  const href = reportHref(e);
  return href ? `<a href="${esc(href)}">${inner}</a>` : inner;
}

/**
 * Marks at their start times, nudged apart so runs minutes apart (a deploy's runs) stay visible
 * side by side, in order; thinner when there are many.
 */
function timeline(entries: HistoryEntry[], d: Domain): string {
  const h = 64;
  const runs = [...entries].sort((a, b) => a.started_at.localeCompare(b.started_at) || a.run_id.localeCompare(b.run_id));
  const right = W - M.right;
  const w = Math.min(6, Math.max(2, Math.floor((right - M.left) / Math.max(1, runs.length)) - 1));
  const xs = runs.map((e) => xOf(d, Date.parse(e.started_at)) - w / 2);
  for (let i = xs.length - 1; i >= 0; i--) xs[i] = Math.min(xs[i]!, (i === xs.length - 1 ? right : xs[i + 1]! - 1) - w);
  for (let i = 0; i < xs.length; i++) xs[i] = Math.max(xs[i]!, i === 0 ? M.left - w / 2 : xs[i - 1]! + w + 1);
  const marks = runs.map((e, i) => {
    const rect = `<rect class="run" x="${r1(xs[i]!)}" y="${M.top}" width="${w}" height="${h - M.top - M.bottom}" rx="1.5" fill="${OUTCOME_COLOURS[e.outcome] ?? '#999'}" data-run-id="${esc(e.run_id)}" data-outcome="${esc(e.outcome)}"><title>${esc(runTitle(e))}</title></rect>`;
    return linked(e, rect);
  });
  return `<svg class="timeline" viewBox="0 0 ${W} ${h}" role="img" aria-label="Timeline of runs by outcome">${timeAxis(d, M.top, h - M.bottom)}${marks.join('')}</svg>`;
}

/** A round upper bound for the y axis and its step (1, 2 or 5 × 10^n). */
function niceScale(max: number): { top: number; step: number } {
  const raw = Math.max(max, 1) / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((k) => k * mag).find((s) => s >= raw)!;
  return { top: Math.ceil(max / step) * step || step, step };
}

function durationChart(entries: HistoryEntry[], d: Domain): string {
  const h = 220;
  const points = entries.filter(hasVerdict).sort((a, b) => a.started_at.localeCompare(b.started_at) || a.run_id.localeCompare(b.run_id));
  const { top, step } = niceScale(Math.max(0, ...points.map((e) => e.duration_ms)));
  const yOf = (v: number) => r1(h - M.bottom - (v / top) * (h - M.top - M.bottom));
  const grid: string[] = [];
  for (let v = 0; v <= top; v += step) {
    grid.push(
      `<line class="grid" x1="${M.left}" x2="${W - M.right}" y1="${yOf(v)}" y2="${yOf(v)}"/><text class="axis" x="${M.left - 6}" y="${yOf(v) + 4}" text-anchor="end">${esc(formatDurationMs(v).replace('.0 s', ' s'))}</text>`,
    );
  }
  const xy = points.map((e) => [r1(xOf(d, Date.parse(e.started_at))), yOf(e.duration_ms)] as const);
  const line = xy.length > 1 ? `<polyline class="trend" points="${xy.map(([x, y]) => `${x},${y}`).join(' ')}"/>` : '';
  const dots = points.map((e, i) =>
    linked(
      e,
      `<circle class="point" cx="${xy[i]![0]}" cy="${xy[i]![1]}" r="4" fill="${OUTCOME_COLOURS[e.outcome]}" data-run-id="${esc(e.run_id)}" data-duration-ms="${e.duration_ms}" data-outcome="${esc(e.outcome)}" data-started-at="${esc(e.started_at)}"><title>${esc(runTitle(e))}</title></circle>`,
    ),
  );
  const empty = points.length ? '' : `<text class="axis" x="${W / 2}" y="${h / 2}" text-anchor="middle">no run with a verdict yet</text>`;
  return `<svg class="duration-chart" viewBox="0 0 ${W} ${h}" role="img" aria-label="Duration of each run with a verdict">${grid.join('')}${timeAxis(d, M.top, h - M.bottom)}${line}${dots.join('')}${empty}</svg>`;
}

// ---- the page's parts

function streakCard(entries: HistoryEntry[]): string {
  const s = failureStreak(entries);
  if (s.failures > 0) {
    const count = `${s.atLeast ? 'at least ' : ''}${s.failures} run${s.failures === 1 ? '' : 's'} in a row`;
    const last = s.lastPass ? `last passed ${formatTime(s.lastPass.started_at)}` : `no pass in the last ${DASHBOARD_DAYS} days`;
    return `<div class="streak failing" data-streak="${s.failures}"><strong>Failing: ${count}</strong> since ${esc(formatTime(s.since!))} · ${esc(last)}</div>`;
  }
  if (!s.lastPass) return `<div class="streak unknown" data-streak="0"><strong>No verdict yet</strong></div>`;
  const lastFailure = [...entries].filter((e) => e.outcome === 'failed').sort((a, b) => b.started_at.localeCompare(a.started_at))[0];
  const note = lastFailure ? `last failure ${formatTime(lastFailure.started_at)}` : `no failure in the last ${DASHBOARD_DAYS} days`;
  return `<div class="streak passing" data-streak="0"><strong>Passing</strong> · last verdict ${esc(formatTime(s.lastPass.started_at))} · ${esc(note)}</div>`;
}

function statsTable(entries: HistoryEntry[], now: Date): string {
  const rows = WINDOWS.map((w) => {
    const st = windowStats(entries, now, w.ms);
    return `<tr data-window="${w.key}"><th scope="row">${w.label}</th><td data-stat="runs">${st.runs}</td><td data-stat="pass-rate">${formatRate(st.passRate)}</td><td class="sub" data-stat="verdicts">${st.passed} of ${st.verdicts}</td><td data-stat="p50">${formatDurationMs(st.p50)}</td><td data-stat="p95">${formatDurationMs(st.p95)}</td></tr>`;
  });
  return `<table class="stats"><thead><tr><th>Last</th><th>Runs</th><th>Pass rate</th><th>Passed</th><th>p50</th><th>p95</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function legend(entries: HistoryEntry[]): string {
  const counts = new Map<string, number>();
  for (const e of entries) counts.set(e.outcome, (counts.get(e.outcome) ?? 0) + 1);
  return `<ul class="legend">${OUTCOME_ORDER.filter((o) => counts.has(o) || ['passed', 'failed', 'flaky', 'inconclusive'].includes(o))
    .map((o) => `<li><span class="swatch" style="background:${OUTCOME_COLOURS[o]}"></span>${o} <span class="sub">${counts.get(o) ?? 0}</span></li>`)
    .join('')}</ul>`;
}

function checkSection(check: string, entries: HistoryEntry[], now: Date, d: Domain): string {
  return `<section class="check" data-check="${esc(check)}">
<h2>checkout-canary ${esc(check)}</h2>
<div class="cards">${streakCard(entries)}${statsTable(entries, now)}</div>
<h3>Timeline</h3>${legend(entries)}${timeline(entries, d)}
<h3>Duration of runs with a verdict</h3>${durationChart(entries, d)}
</section>`;
}

function recentTable(entries: HistoryEntry[]): string {
  if (entries.length === 0) return '';
  const rows = entries.slice(0, RECENT_ROWS).map((e) => {
    const href = reportHref(e);
    const run = href ? `<a href="${esc(href)}">${esc(e.run_id)}</a>` : esc(e.run_id);
    return `<tr data-run-id="${esc(e.run_id)}"><td>${esc(formatTime(e.started_at).replace(' UTC', ''))}</td><td>${esc(e.check)}</td><td><span class="badge" style="background:${OUTCOME_COLOURS[e.outcome] ?? '#999'}">${esc(e.outcome)}</span></td><td>${esc(e.trigger)}</td><td class="num">${esc(formatDurationMs(e.duration_ms))}</td><td>${stageText(e.failing_stage)}${e.failing_test ? `<div class="sub" title="${esc(e.failing_test)}">${esc(e.failing_test)}</div>` : ''}</td><td>${esc(e.deployer ?? '')}</td><td><code>${esc((e.commit ?? '').slice(0, 12))}</code></td><td>${run}</td></tr>`;
  });
  const more = entries.length > RECENT_ROWS ? `<p class="sub">The newest ${RECENT_ROWS} of ${entries.length} runs; \`canary history\` lists them all.</p>` : '';
  return `<section class="recent"><h2>Recent runs</h2><table class="runs"><thead><tr><th>Started (UTC)</th><th>Check</th><th>Outcome</th><th>Trigger</th><th>Duration</th><th>Failing stage</th><th>Deployer</th><th>Commit</th><th>Run (report)</th></tr></thead><tbody>${rows.join('')}</tbody></table>${more}</section>`;
}

const STYLE = `
:root{color-scheme:light;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:#fff}
header{padding:16px 24px;border-bottom:1px solid var(--line);background:var(--bg)}
h1{font-size:20px;margin:0 0 4px}h2{font-size:17px;margin:0 0 10px}h3{font-size:14px;margin:16px 0 4px;color:var(--muted)}
main{padding:8px 24px 24px;max-width:1280px}
section{margin:16px 0 24px}
.sub{color:var(--muted);font-size:12px}
.cards{display:flex;gap:16px;flex-wrap:wrap;align-items:flex-start}
.streak{padding:10px 14px;border-radius:6px;border:1px solid var(--line);min-width:300px;max-width:420px}
.streak.failing{background:#ffebe9;border-color:#ff8182}.streak.passing{background:#dafbe1;border-color:#6fdd8b}.streak.unknown{background:var(--bg)}
table{border-collapse:collapse}
th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{font-size:12px;color:var(--muted);font-weight:600}
.stats td{text-align:right}.num{text-align:right;white-space:nowrap}
.runs td{white-space:nowrap}.runs td .sub{max-width:200px;overflow:hidden;text-overflow:ellipsis}.runs td a{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
svg{display:block;width:100%;max-width:${W}px;height:auto}
svg .grid{stroke:#eaeef2;stroke-width:1}svg .axis{fill:var(--muted);font-size:11px}
svg .trend{fill:none;stroke:#8c959f;stroke-width:1.5}
.legend{list-style:none;padding:0;margin:0 0 4px;display:flex;gap:14px;flex-wrap:wrap;font-size:12px}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:-1px}
.badge{color:#fff;border-radius:10px;padding:1px 8px;font-size:12px;white-space:nowrap}
code{font-size:12px}
a{color:#0969da}
footer{color:var(--muted);font-size:12px;border-top:1px solid var(--line);padding-top:8px;max-width:${W}px}
`;

export interface DashboardOptions {
  /** Where the history is, in words (never a URL with credentials). */
  source: string;
  /** More runs than the page shows were in the window. */
  truncated?: boolean;
}

/** The page, from the runs of the window (any order) and the time it is drawn at. */
export function renderDashboard(entries: HistoryEntry[], now: Date, options: DashboardOptions): string {
  const newestFirst = [...entries].sort((a, b) => b.started_at.localeCompare(a.started_at) || b.run_id.localeCompare(a.run_id));
  // Sections in order of each check's newest run.
  const checks = [...new Set(newestFirst.map((e) => e.check))];
  const oldest = newestFirst.at(-1);
  const domain: Domain = {
    from: Math.min(oldest ? Date.parse(oldest.started_at) : now.getTime(), now.getTime() - 24 * HOUR),
    to: now.getTime(),
  };
  const sections = checks.map((c) =>
    checkSection(
      c,
      newestFirst.filter((e) => e.check === c),
      now,
      domain,
    ),
  );
  const count = `${entries.length} run${entries.length === 1 ? '' : 's'} in the last ${DASHBOARD_DAYS} days${options.truncated ? ` (the newest ${entries.length} shown)` : ''}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>checkout-canary run history</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>checkout-canary run history</h1><div class="sub">${esc(count)} · generated ${esc(formatTime(now.toISOString()))} · from ${esc(options.source)}</div></header>
<main>
${sections.length ? sections.join('\n') : `<p class="empty">No runs recorded in the last ${DASHBOARD_DAYS} days.</p>`}
${recentTable(newestFirst)}
<footer>
<p><strong>Check</strong>: the suite a run ran (its <code>--grep</code>, e.g. <code>@critical</code>), as the alert names it. <strong>Pass rate</strong>: passed and flaky runs over runs with a verdict (passed, flaky, failed); inconclusive runs (Checkout blocked the robot), aborted runs and runs with no tests are left out, as are they from the durations and the streak. <strong>p50/p95</strong>: nearest-rank percentiles of the durations of runs with a verdict. <strong>Failure streak</strong>: failed runs in a row since the last passed or flaky run. Windows end at the time the page was generated; times are UTC.</p>
</footer>
</main>
</body>
</html>
`;
}

/** Regenerates `<reportsDir>/index.html` from the store's last 30 days (written whole, then renamed into place). */
export async function writeDashboard(store: HistoryStore, reportsDir: string, now: Date = new Date()): Promise<string> {
  const entries = await store.list({ since: new Date(now.getTime() - DASHBOARD_DAYS * 24 * HOUR), last: DASHBOARD_MAX_RUNS + 1 });
  const truncated = entries.length > DASHBOARD_MAX_RUNS;
  const source = path.isAbsolute(store.where) ? `${path.basename(store.where)} (SQLite)` : store.where;
  const html = renderDashboard(truncated ? entries.slice(0, DASHBOARD_MAX_RUNS) : entries, now, { source, truncated });
  // The machine that prunes a shared (PostgreSQL) history may have no reports folder yet.
  await mkdir(reportsDir, { recursive: true });
  const file = path.join(reportsDir, DASHBOARD_FILE);
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, html);
  await rename(tmp, file);
  return file;
}
