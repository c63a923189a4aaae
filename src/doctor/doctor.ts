/**
 * `canary doctor`: every check of a project's set-up, each one line — ✔ passed, ✘ failed (with
 * one line saying what to do), ! a warning — all of them run whatever the others found, then a
 * count. Exit 0 when nothing failed (warnings do not fail), 2 otherwise.
 */
import type { ModuleImporter } from '../config/config-file.ts';
import { findProject, loadProject } from '../config/project.ts';
import { ConfigProblems } from '../config/variables.ts';
import { redact } from '../log/redact.ts';
import { CHECKS, type CheckResult, type DoctorState } from './checks.ts';

export interface DoctorOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  configFlag?: string;
  expectVersion?: string;
  importer: ModuleImporter;
}

export interface DoctorReport {
  project: string | null;
  checks: CheckResult[];
  passed: number;
  failed: number;
  warnings: number;
}

export async function runDoctor(o: DoctorOptions): Promise<DoctorReport> {
  const state: DoctorState = {
    env: o.env,
    settings: null,
    configProblems: [],
    expectVersion: o.expectVersion,
    stripe: null,
    embeddedStripe: false,
    slackOk: false,
  };
  try {
    // The folders are a check of their own: a folder that cannot be written is not a broken config.
    state.settings = await loadProject(findProject(o.cwd, o.configFlag), o.env, o.importer, { checkFolders: false });
  } catch (err) {
    if (!(err instanceof ConfigProblems)) throw err;
    state.configProblems = err.problems.length > 1 ? err.problems : [err.message];
  }
  const checks: CheckResult[] = [];
  for (const check of CHECKS) {
    const r = await check(state);
    checks.push({ ...r, detail: redact(r.detail), fix: r.fix && redact(r.fix) });
  }
  return {
    project: state.settings?.project.root ?? null,
    checks,
    passed: checks.filter((c) => c.status === 'pass').length,
    failed: checks.filter((c) => c.status === 'fail').length,
    warnings: checks.filter((c) => c.status === 'warn').length,
  };
}

const MARKS = { pass: '✔', fail: '✘', warn: '!' } as const;

export function formatDoctor(r: DoctorReport): string[] {
  const width = Math.max(...r.checks.map((c) => c.name.length));
  const lines = [`canary doctor${r.project ? `: ${r.project}` : ''}`];
  for (const c of r.checks) {
    lines.push(`  ${MARKS[c.status]} ${c.name.padEnd(width)}  ${c.detail}`);
    if (c.fix && c.status !== 'pass') lines.push(`${' '.repeat(width + 6)}→ ${c.fix}`);
  }
  lines.push(`${r.checks.length} checks: ${r.passed} passed, ${r.failed} failed, ${r.warnings} warning${r.warnings === 1 ? '' : 's'}`);
  return lines;
}
