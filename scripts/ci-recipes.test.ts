/**
 * The CI and deployment recipes, read as data: the GitHub Actions workflows (triggers, set-up,
 * secrets as real configuration variables, the job URL for the alert, reports uploaded whatever
 * happens), every `canary` command line in them and in the container recipes parsed by the real
 * command-line program (nothing runs), the npm scripts they name, the Dockerfile's Playwright
 * image against the installed Playwright, and the Kubernetes CronJob.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { parseOnly } from '../src/cli/main.ts';
import { allVariables as VARIABLES } from '../src/config/testing/all-variables.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const WORKFLOWS = path.join(ROOT, '.github/workflows');
/** The workflows `canary init` scaffolds into a team's project. */
const TEMPLATE_WORKFLOWS = path.join(ROOT, 'templates/github-workflows');
/** A GitHub Actions expression, `${{ e }}`, as written in a workflow. */
const expr = (e: string) => `\${{ ${e} }}`;
const CI_URL = `${expr('github.server_url')}/${expr('github.repository')}/actions/runs/${expr('github.run_id')}`;
const scripts: Record<string, string> = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts;

type Step = { uses?: string; run?: string; if?: string; with?: Record<string, unknown>; env?: Record<string, string> };
type Job = {
  if?: string;
  needs?: string | string[];
  'timeout-minutes'?: number;
  env?: Record<string, string>;
  strategy?: { matrix?: Record<string, unknown[]> };
  steps: Step[];
};
type Workflow = { on: Record<string, any>; env?: Record<string, string>; concurrency?: { group: string }; jobs: Record<string, Job> };

/** This repository's workflows by file name, and the scaffold's as `templates/<file>`: every check below holds for both. */
const workflows = new Map<string, Workflow>(
  [
    [WORKFLOWS, ''],
    [TEMPLATE_WORKFLOWS, 'templates/'],
  ].flatMap(([dir, prefix]) =>
    readdirSync(dir!)
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f): [string, Workflow] => [`${prefix}${f}`, parse(readFileSync(path.join(dir!, f), 'utf8')) as Workflow]),
  ),
);
const workflow = (name: string): Workflow => {
  const w = workflows.get(name);
  assert.ok(w, `.github/workflows/${name} exists`);
  return w;
};

/** A value each flag accepts, for arguments the workflow fills in at run time (`${{ … }}`, `$VAR`). */
const SAMPLES: Record<string, string> = {
  '--deployer': 'ada@example.com',
  '--commit': '0123456789abcdef',
  '--wait-for': 'https://app.example.com/healthz',
  '--expect-version': 'v42',
  '--grep': '@critical',
  '--shard': '1/2',
};
const RUNTIME = '\u0000';

/** Splits a shell command line into words (quotes and backslashes; no expansions). */
function words(line: string): string[] {
  const out: string[] = [];
  let word: string | null = null;
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else word += c === '\\' && quote === '"' ? line[++i]! : c;
    } else if (c === '"' || c === "'") {
      quote = c;
      word ??= '';
    } else if (/\s/.test(c)) {
      if (word !== null) out.push(word);
      word = null;
    } else word = (word ?? '') + (c === '\\' ? line[++i]! : c);
  }
  assert.equal(quote, null, `unbalanced quote in: ${line}`);
  if (word !== null) out.push(word);
  return out;
}

/** The words of a run line with known expressions filled in and the rest marked as filled at run time. */
function expand(line: string, known: Record<string, string>): string[] {
  const filled = line.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expr: string) => known[expr] ?? RUNTIME).replace(/\$\{?[A-Za-z_]\w*\}?/g, RUNTIME);
  const ws = words(filled);
  return ws.map((w, i) => (w.includes(RUNTIME) ? (SAMPLES[ws[i - 1] ?? ''] ?? 'reports/canary_x') : w));
}

/** Each combination of the job's matrix as the expressions it defines (one empty set without a matrix). */
function matrixContexts(job: Job): Record<string, string>[] {
  const matrix = Object.entries(job.strategy?.matrix ?? {}).filter(([, v]) => Array.isArray(v));
  let combos: Record<string, string>[] = [{}];
  for (const [key, values] of matrix) combos = combos.flatMap((c) => values.map((v) => ({ ...c, [`matrix.${key}`]: String(v) })));
  return combos.map((c) => ({ ...c, 'strategy.job-total': String(combos.length) }));
}

/** The `canary` argument lists a command line runs: directly, or through an npm script that runs bin/canary.js. */
function canaryArgs(argv: string[]): string[][] {
  if ((argv[0] === 'npx' && argv[1] === 'canary') || (argv[0] === 'node' && argv[1] === 'bin/canary.js')) return [argv.slice(2)];
  if (argv[0] === 'npm' && argv[1] === 'run') {
    const name = argv[2]!;
    assert.ok(scripts[name], `npm script ${name} exists in package.json`);
    const extra = argv.indexOf('--') >= 0 ? argv.slice(argv.indexOf('--') + 1) : [];
    const script = words(scripts[name]!);
    return script[0] === 'node' && script[1] === 'bin/canary.js' ? [[...script.slice(2), ...extra]] : [];
  }
  return [];
}

async function assertParses(args: string[], where: string): Promise<void> {
  const problem = await parseOnly(args);
  assert.equal(problem, null, `${where}: canary ${args.join(' ')}: ${problem}`);
}

test('the workflows: post-deploy, every six hours, and the sharded @extended suite', () => {
  assert.deepEqual([...workflows.keys()].sort(), [
    'canary-extended.yml',
    'canary-post-deploy.yml',
    'canary-scheduled.yml',
    'templates/canary-post-deploy.yml',
    'templates/canary-scheduled.yml',
  ]);
  // The scaffold's are this repository's own: the same triggers, guard and canary command lines.
  for (const name of ['canary-post-deploy.yml', 'canary-scheduled.yml']) {
    const ours = workflow(name);
    const theirs = workflow(`templates/${name}`);
    assert.deepEqual(theirs.on, ours.on, `templates/${name}: the same triggers`);
    const lines = (w: Workflow) => Object.values(w.jobs).flatMap((j) => [j.if, ...j.steps.filter((st) => st.run?.includes('canary ')).map((st) => st.run)]);
    assert.deepEqual(lines(theirs), lines(ours), `templates/${name}: the same job guard and canary command lines`);
  }

  const postDeploy = workflow('canary-post-deploy.yml');
  assert.ok('deployment_status' in postDeploy.on, 'on deployment_status');
  assert.deepEqual(postDeploy.on.repository_dispatch?.types, ['deploy-finished']);
  const job = Object.values(postDeploy.jobs)[0]!;
  assert.match(job.if ?? '', /github\.event\.deployment_status\.state == 'success'/, 'only successful deployments');
  const run = job.steps.find((s) => s.run?.includes('canary run'))!;
  assert.match(run.run!, /--trigger post-deploy --deployer "\$DEPLOYER" --commit "\$COMMIT" --wait-for "\$HEALTH_URL"/);
  assert.match(run.env!.HEALTH_URL!, /deployment_status\.environment_url/);

  const scheduled = workflow('canary-scheduled.yml');
  assert.deepEqual(
    scheduled.on.schedule.map((s: { cron: string }) => s.cron),
    ['0 */6 * * *'],
  );
  assert.ok('workflow_dispatch' in scheduled.on);

  const extended = workflow('canary-extended.yml');
  const [shardName, shardJob] = Object.entries(extended.jobs).find(([, j]) => j.strategy?.matrix)!;
  const shards = (shardJob.strategy!.matrix!.shard as number[]).map(Number);
  assert.ok(shards.length >= 2, 'at least two shards');
  assert.deepEqual(
    shards,
    shards.map((_, i) => i + 1),
    'the matrix names shards 1..n',
  );
  const shardRun = shardJob.steps.find((s) => s.run?.includes('canary run'))!.run!;
  assert.match(shardRun, /--grep @extended --shard \$\{\{ matrix\.shard \}\}\/\$\{\{ strategy\.job-total \}\}/);
  const merge = Object.values(extended.jobs).find((j) => j.steps.some((s) => s.run?.includes('canary merge-reports')))!;
  assert.ok(merge, 'a job merges the shards');
  assert.deepEqual([merge.needs, merge.if], [shardName, 'always()'], 'the merge waits for every shard and runs whatever they did');
  const upload = shardJob.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
  const download = merge.steps.find((s) => s.uses?.startsWith('actions/download-artifact@'))!;
  assert.equal(upload.with!.name, `canary-shard-${expr('matrix.shard')}`);
  assert.deepEqual([download.with!.pattern, download.with!['merge-multiple']], ['canary-shard-*', true]);
  assert.match(merge.steps.find((s) => s.run?.includes('merge-reports'))!.run!, new RegExp(`merge-reports ${download.with!.path}/canary_\\*$`));
});

test('every job installs, sets up the browser before running, is bounded, names the CI job for the alert and uploads reports/ whatever happens', () => {
  for (const [file, w] of workflows) {
    assert.ok(w.concurrency?.group, `${file}: a concurrency group`);
    for (const [name, job] of Object.entries(w.jobs)) {
      const where = `${file} ${name}`;
      const uses = job.steps.map((s) => s.uses ?? '');
      const runs = job.steps.map((s) => s.run ?? '');
      assert.ok(
        uses.some((u) => u.startsWith('actions/checkout@')),
        `${where}: checks out`,
      );
      const node = job.steps.find((s) => s.uses?.startsWith('actions/setup-node@'));
      assert.deepEqual([node?.with?.['node-version'], node?.with?.cache], [20, 'npm'], `${where}: Node 20 with the npm cache`);
      assert.ok(runs.includes('npm ci'), `${where}: npm ci`);
      const canaryRun = runs.findIndex((r) => r.includes('canary run'));
      // This repository's set-up script, or in a team's project Playwright's own install.
      const setUp = runs.findIndex((r) => r === 'npm run setup:browser' || r.startsWith('npx playwright install'));
      if (canaryRun >= 0) assert.ok(setUp >= 0 && setUp < canaryRun, `${where}: browser set-up first`);
      assert.ok(typeof job['timeout-minutes'] === 'number' && job['timeout-minutes'] <= 30, `${where}: timeout-minutes`);
      assert.equal(job.env?.CANARY_CI_URL ?? w.env?.CANARY_CI_URL, CI_URL, `${where}: CANARY_CI_URL is the job's URL`);
      const upload = job.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
      assert.ok(upload, `${where}: uploads an artifact`);
      assert.equal(upload.if, 'always()', `${where}: uploads whatever happened`);
      assert.match(String(upload.with?.path), /^reports\/$/m, `${where}: uploads reports/`);
    }
  }
});

test('the environment the workflows set is configuration canary knows (or the step variables its command lines use)', () => {
  const known = new Set(Object.keys(VARIABLES));
  for (const [file, w] of workflows) {
    const envs = [w.env, ...Object.values(w.jobs).flatMap((j) => [j.env])];
    for (const env of envs)
      for (const name of Object.keys(env ?? {})) assert.ok(known.has(name), `${file}: ${name} is not a canary variable (src/config/programs/)`);
    for (const env of envs) {
      for (const [name, value] of Object.entries(env ?? {})) {
        const secret = /^\$\{\{ secrets\.(\w+) \}\}$/.exec(value)?.[1];
        if (secret) assert.equal(secret, name, `${file}: ${name} comes from the secret of the same name`);
      }
    }
    for (const job of Object.values(w.jobs)) {
      for (const step of job.steps) {
        for (const name of Object.keys(step.env ?? {})) assert.match(step.run ?? '', new RegExp(`\\$${name}\\b`), `${file}: step variable ${name} is used`);
      }
    }
  }
});

test('every canary command line in the workflows names a command and flags that parse, and every npm script exists', async () => {
  let checked = 0;
  for (const [file, w] of workflows) {
    for (const [name, job] of Object.entries(w.jobs)) {
      for (const step of job.steps.filter((s) => s.run)) {
        for (const line of step.run!.split('\n').filter((l) => l.trim())) {
          for (const ctx of matrixContexts(job)) {
            for (const args of canaryArgs(expand(line, ctx))) {
              await assertParses(args, `${file} ${name}`);
              checked++;
            }
          }
        }
      }
    }
  }
  assert.ok(checked >= 8, `the canary command lines were found (${checked})`);
  // The check itself catches what it should.
  assert.match((await parseOnly(['run', '--shard', '3/2'])) ?? '', /--shard must be i\/n with 1 ≤ i ≤ n/);
  assert.match((await parseOnly(['run', '--trigger', 'deploy'])) ?? '', /--trigger must be one of/);
  assert.match((await parseOnly(['merge-report', 'x'])) ?? '', /unknown command 'merge-report'/);
});

test("the Dockerfile builds on Playwright's image of the installed Playwright and runs a command that parses", async () => {
  const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
  const require = createRequire(import.meta.url);
  const version = require('playwright/package.json').version as string;
  assert.equal(require('@playwright/test/package.json').version, version, '@playwright/test and playwright are the same version');
  assert.deepEqual(
    [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]),
    [`mcr.microsoft.com/playwright:v${version}-noble`],
  );
  const json = (instruction: string) => JSON.parse(new RegExp(`^${instruction}\\s+(\\[.*\\])$`, 'm').exec(dockerfile)![1]!) as string[];
  assert.deepEqual(json('ENTRYPOINT'), ['node', 'bin/canary.js']);
  await assertParses(json('CMD'), 'Dockerfile CMD');
  const ignored = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n');
  for (const p of ['.env', 'node_modules', 'reports']) assert.ok(ignored.includes(p), `.dockerignore keeps ${p} out of the image`);
});

test('the Kubernetes CronJob: every six hours, one at a time, bounded, secrets from a Secret, reports on a volume', async () => {
  const docs = parseAllDocuments(readFileSync(path.join(ROOT, 'deploy/kubernetes/cronjob.yaml'), 'utf8')).map((d) => {
    assert.deepEqual(d.errors, []);
    return d.toJS();
  });
  const cron = docs.find((d) => d.kind === 'CronJob');
  assert.equal(cron.apiVersion, 'batch/v1');
  assert.deepEqual([cron.spec.schedule, cron.spec.concurrencyPolicy], ['0 */6 * * *', 'Forbid']);
  const job = cron.spec.jobTemplate.spec;
  assert.ok(job.activeDeadlineSeconds > 600, 'activeDeadlineSeconds above canary run’s own 10 min bound');
  const pod = job.template.spec;
  const [container] = pod.containers;
  assert.ok(
    container.envFrom.some((e: { secretRef?: { name: string } }) => e.secretRef?.name),
    'configuration from a Secret',
  );
  const reportsDir = container.env.find((e: { name: string }) => e.name === 'CANARY_REPORTS_DIR').value;
  const mount = container.volumeMounts.find((m: { mountPath: string }) => m.mountPath === reportsDir);
  assert.ok(mount, 'CANARY_REPORTS_DIR is a mounted volume');
  const volume = pod.volumes.find((v: { name: string }) => v.name === mount.name);
  const claim = docs.find((d) => d.kind === 'PersistentVolumeClaim');
  assert.equal(volume.persistentVolumeClaim.claimName, claim.metadata.name, 'the reports volume is the claim defined beside it');
  await assertParses(container.args, 'cronjob.yaml args');
});

test('the Kubernetes Deployment: canary schedule probed on --health-port /healthz, scraped on /metrics, given time to finish a run', async () => {
  const docs = parseAllDocuments(readFileSync(path.join(ROOT, 'deploy/kubernetes/deployment.yaml'), 'utf8')).map((d) => {
    assert.deepEqual(d.errors, []);
    return d.toJS();
  });
  const deployment = docs.find((d) => d.kind === 'Deployment');
  assert.equal(deployment.apiVersion, 'apps/v1');
  const pod = deployment.spec.template.spec;
  const [container] = pod.containers;
  assert.equal(container.args[0], 'schedule');
  await assertParses(container.args, 'deployment.yaml args');
  const port = Number(container.args[container.args.indexOf('--health-port') + 1]);
  assert.ok(port > 0, 'the scheduler serves its health port');
  assert.equal(container.ports.find((p: { name: string }) => p.name === 'health').containerPort, port);
  for (const probe of [container.livenessProbe, container.readinessProbe]) {
    assert.deepEqual([probe.httpGet.path, probe.httpGet.port], ['/healthz', 'health']);
  }
  const annotations = deployment.spec.template.metadata.annotations;
  assert.deepEqual([annotations['prometheus.io/port'], annotations['prometheus.io/path']], [String(port), '/metrics']);
  assert.ok(pod.terminationGracePeriodSeconds > 120, 'longer than the run grace (2m) canary schedule gives on SIGTERM');
  assert.ok(
    container.envFrom.some((e: { secretRef?: { name: string } }) => e.secretRef?.name),
    'configuration from a Secret',
  );
});
