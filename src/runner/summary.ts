/**
 * One run's summary, from Playwright's JSON results: each test's outcome, duration, failing
 * stage and error, the Stripe ids it created, its artifacts, and the links an alert needs.
 */
import path from 'node:path';
import { STAGE_TITLES, stageOf, type Stage } from '../errors.ts';
import { redact } from '../log/redact.ts';

export type Outcome = 'passed' | 'failed' | 'flaky' | 'inconclusive' | 'skipped';

export interface TestSummary {
  title: string;
  file: string;
  tags: string[];
  outcome: Outcome;
  duration_ms: number;
  attempts: number;
  stage: Stage | null;
  stage_title: string | null;
  failed_step: string | null;
  error: string | null;
  environment: string | null;
  stripe_ids: Record<string, string>;
  /** Where to look at what the test created: Stripe's dashboard for real test mode. */
  links: Record<string, string>;
  artifacts: { screenshot?: string; trace?: string; video?: string };
}

export interface RunSummary {
  run_id: string;
  outcome: Exclude<Outcome, 'skipped'> | 'no-tests';
  trigger: string;
  deployer: string | null;
  commit: string | null;
  /** Which tests ran (`--grep`). */
  grep: string | null;
  started_at: string;
  duration_ms: number;
  target: { stripe: 'emulator' | 'stripe'; stripe_api_url: string | null; app: 'embedded' | 'deployed'; app_url: string };
  counts: Record<Outcome, number>;
  tests: TestSummary[];
  links: Record<string, string>;
}

interface PwStep { title: string; error?: { message?: string }; steps?: PwStep[] }
interface PwResult { status: string; duration: number; retry: number; error?: { message?: string }; errors?: { message?: string }[]; steps?: PwStep[]; attachments: { name: string; path?: string }[] }
interface PwTest { status: 'expected' | 'unexpected' | 'flaky' | 'skipped'; annotations: { type: string; description?: string }[]; results: PwResult[] }
interface PwSpec { title: string; file: string; tags: string[]; tests: PwTest[] }
interface PwSuite { title: string; file: string; specs?: PwSpec[]; suites?: PwSuite[] }
export interface PwReport { suites: PwSuite[]; errors?: { message?: string }[]; stats: { startTime: string; duration: number } }

// eslint-disable-next-line no-control-regex
const stripAnsi = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '');

const STEP_STAGES: [RegExp, Stage][] = [
  [/^App UI:/, 'app-ui'],
  [/^Checkout UI:/, 'checkout-ui'],
  [/^Card result:/, 'card-result'],
  [/^Stripe API:/, 'stripe-state'],
  [/^App API:/, 'app-api'],
];

function failedStep(steps: PwStep[] | undefined): PwStep | null {
  for (const step of steps ?? []) if (step.error) return step;
  return null;
}

function specs(suite: PwSuite, titlePath: string[] = []): { spec: PwSpec; titlePath: string[] }[] {
  const here = suite.title && !suite.title.endsWith('.spec.ts') ? [...titlePath, suite.title] : titlePath;
  return [...(suite.specs ?? []).map((spec) => ({ spec, titlePath: here })), ...(suite.suites ?? []).flatMap((s) => specs(s, here))];
}

/** Test-mode dashboard pages of the objects a test records. */
const DASHBOARD_PATHS: Record<string, string> = { customer: 'customers', subscription: 'subscriptions', invoice: 'invoices' };

function stripeLinks(ids: Record<string, string>, target: RunSummary['target']): Record<string, string> {
  if (target.stripe !== 'stripe') return {};
  const links: Record<string, string> = {};
  for (const [type, id] of Object.entries(ids)) {
    if (DASHBOARD_PATHS[type]) links[`stripe_${type}`] = `https://dashboard.stripe.com/test/${DASHBOARD_PATHS[type]}/${id}`;
  }
  return links;
}

/** A test's stage: the one its CanaryError names, else the one of the step that failed. */
export function summariseTest(spec: PwSpec, titlePath: string[], test: PwTest, rel: (p: string) => string, target: RunSummary['target']): TestSummary {
  const last = test.results.at(-1)!;
  const error = last.error?.message ?? last.errors?.[0]?.message ?? null;
  const step = failedStep(last.steps);
  let stage = stageOf(error ?? undefined);
  if (!stage && step) stage = STEP_STAGES.find(([re]) => re.test(step.title))?.[1] ?? null;
  if (!stage && error && test.status === 'unexpected') stage = 'app-ui';
  const outcome: Outcome =
    test.status === 'skipped' ? 'skipped' : test.status === 'flaky' ? 'flaky' : test.status === 'expected' ? 'passed' : stage === 'checkout-blocked' ? 'inconclusive' : 'failed';
  const stripeIds: Record<string, string> = {};
  for (const a of test.annotations) if (a.type.startsWith('stripe:') && a.description) stripeIds[a.type.slice(7)] = a.description;
  const artifacts: TestSummary['artifacts'] = {};
  for (const result of test.results) {
    for (const a of result.attachments) {
      if (!a.path) continue;
      if (a.name === 'screenshot') artifacts.screenshot = rel(a.path);
      if (a.name === 'trace') artifacts.trace = rel(a.path);
      if (a.name === 'video') artifacts.video = rel(a.path);
    }
  }
  const failing = outcome === 'failed' || outcome === 'inconclusive';
  return {
    title: [...titlePath, spec.title].join(' › '),
    file: spec.file,
    tags: spec.tags.map((t) => `@${t}`),
    outcome,
    duration_ms: Math.round(test.results.reduce((n, r) => n + r.duration, 0)),
    attempts: test.results.length,
    stage: failing ? stage : null,
    stage_title: failing && stage ? STAGE_TITLES[stage] : null,
    failed_step: failing ? (step?.title ?? null) : null,
    error: failing && error ? redact(stripAnsi(error)).split('\n').slice(0, 12).join('\n') : null,
    environment: test.annotations.find((a) => a.type === 'environment')?.description ?? null,
    stripe_ids: stripeIds,
    links: stripeLinks(stripeIds, target),
    artifacts,
  };
}

export function summariseRun(report: PwReport, meta: Omit<RunSummary, 'outcome' | 'counts' | 'tests' | 'started_at' | 'duration_ms'> & { started_at: string; duration_ms: number }, reportDir: string): RunSummary {
  const rel = (p: string) => path.relative(reportDir, p);
  const tests = report.suites.flatMap((s) => specs(s)).flatMap(({ spec, titlePath }) => spec.tests.map((t) => summariseTest(spec, titlePath, t, rel, meta.target)));
  const counts: Record<Outcome, number> = { passed: 0, failed: 0, flaky: 0, inconclusive: 0, skipped: 0 };
  for (const t of tests) counts[t.outcome]++;
  // "No tests found" is how Playwright says the grep matched nothing: that is "no-tests", not a failure.
  const globalError = (report.errors ?? []).some((e) => !/^Error: No tests found/.test(e.message ?? ''));
  const outcome: RunSummary['outcome'] =
    counts.failed > 0 || globalError ? 'failed' : counts.inconclusive > 0 ? 'inconclusive' : counts.flaky > 0 ? 'flaky' : counts.passed > 0 ? 'passed' : 'no-tests';
  return { ...meta, outcome, counts, tests };
}

/**
 * Exit code of `canary run`: 0 passed (flaky included, reported as such), 1 failed, 2 when no
 * test matched (a usage error: a wrong --grep must not pass silently), 3 inconclusive.
 */
export function exitCodeOf(outcome: RunSummary['outcome']): number {
  if (outcome === 'passed' || outcome === 'flaky') return 0;
  if (outcome === 'no-tests') return 2;
  if (outcome === 'inconclusive') return 3;
  return 1;
}

export function formatSummary(s: RunSummary, reportPath: string): string {
  const lines = [
    `checkout-canary run ${s.run_id}: ${s.outcome.toUpperCase()} in ${(s.duration_ms / 1000).toFixed(1)} s (${s.trigger}${s.deployer ? `, deployed by ${s.deployer}` : ''}${s.commit ? `, commit ${s.commit.slice(0, 12)}` : ''})`,
    `  target: Stripe ${s.target.stripe === 'emulator' ? `emulator ${s.target.stripe_api_url}` : 'test mode'}, app ${s.target.app} ${s.target.app_url}`,
    `  tests: ${s.counts.passed} passed, ${s.counts.failed} failed, ${s.counts.flaky} flaky, ${s.counts.inconclusive} inconclusive, ${s.counts.skipped} skipped`,
  ];
  for (const t of s.tests.filter((x) => x.outcome !== 'passed' && x.outcome !== 'skipped')) {
    lines.push(`  ${t.outcome.toUpperCase()}: ${t.title}`);
    if (t.stage_title) lines.push(`    stage: ${t.stage_title}${t.failed_step ? ` (step "${t.failed_step}")` : ''}`);
    if (t.error) lines.push(`    ${t.error.split('\n')[0]}`);
  }
  if (s.outcome === 'no-tests') lines.push('  no test matched: check --grep (the specs are tagged @critical and @extended)');
  lines.push(`  report: ${reportPath}`);
  return lines.join('\n');
}
