/**
 * What `canary init` writes into a team's project, as text: the package's own templates
 * (templates/), copies of the bundled demo app's adapter, page object and upgrade spec rewritten
 * to import from the installed package, `.env.example` made from the variable tables, and
 * `package.json` and `.gitignore` merged into what is there.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AppVariables } from '../app/define-app.ts';
import { harnessVariables } from '../config/programs/harness.ts';
import type { VariableTable } from '../config/variables.ts';
import { PACKAGE_ROOT, packageVersion } from '../package-root.ts';

const read = (rel: string) => readFileSync(path.join(PACKAGE_ROOT, rel), 'utf8');

/** The relative imports of the package's own files, and what a project imports instead. */
const PACKAGE_IMPORTS: [string, string][] = [
  ["'../../src/index.ts'", "'checkout-canary'"],
  ["'../../src/demo-app/settings.ts'", "'checkout-canary/demo-app'"],
  ["'./admin-client.ts'", "'checkout-canary/demo-app'"],
  ["'../../src/demo-app/index.ts'", "'checkout-canary/demo-app'"],
  ["'../fixtures/index.ts'", "'checkout-canary/test'"],
];

/** A file of the package as a project's own: its imports of the package rewritten; any other relative import into the package is an error. */
export function asProjectFile(rel: string, note: string): string {
  let text = read(rel);
  for (const [from, to] of PACKAGE_IMPORTS) text = text.replaceAll(from, to);
  const stray = /from '\.\.\/[^']*'|import\('\.\.\/[^']*'\)/.exec(text);
  if (stray) throw new Error(`${rel} still imports ${stray[0]} after the rewrite: add it to PACKAGE_IMPORTS`);
  return `// ${note}\n${text}`;
}

export interface ScaffoldFile {
  /** Relative to the project. */
  path: string;
  content: string;
}

/** The files init creates (and never overwrites without --force). */
export function scaffoldFiles(appVariables: AppVariables): ScaffoldFile[] {
  const copied = `Copied by \`canary init\` from checkout-canary ${packageVersion()}: yours to change.`;
  return [
    { path: 'canary.config.ts', content: read('templates/canary.config.ts') },
    { path: 'playwright.config.ts', content: read('templates/playwright.config.ts') },
    { path: 'tsconfig.json', content: read('templates/tsconfig.json') },
    { path: 'apps/demo-app.ts', content: asProjectFile('apps/demo-app/adapter.ts', `${copied} Until you edit it, it drives the bundled demo app.`) },
    { path: 'apps/demo-app.page.ts', content: asProjectFile('apps/demo-app/demo-app.page.ts', copied) },
    { path: 'canary/upgrade.spec.ts', content: asProjectFile('tests/upgrade.spec.ts', copied) },
    { path: '.env.example', content: envExample(appVariables) },
    { path: '.github/workflows/canary-post-deploy.yml', content: read('templates/github-workflows/canary-post-deploy.yml') },
    { path: '.github/workflows/canary-scheduled.yml', content: read('templates/github-workflows/canary-scheduled.yml') },
  ];
}

/** Every variable a user may set — the harness's and the adapter's — each commented out, with what it does. */
export function envExample(appVariables: AppVariables): string {
  const lines = [
    '# checkout-canary configuration. Copy to .env (beside canary.config.ts) and set what you need; the environment',
    '# wins over .env, and .env over canary.config.ts. Every variable is optional: the defaults run everything',
    '# against the embedded Stripe emulator and the app your adapter starts.',
  ];
  const table: VariableTable = { ...harnessVariables };
  for (const [name, v] of Object.entries(table)) {
    if (v.internal) continue;
    lines.push('', `# ${v.description}`, `# ${name}=${v.default ?? ''}`);
  }
  lines.push('', "# The app adapter's own variables (apps/demo-app.ts).");
  for (const [name, v] of Object.entries(appVariables)) lines.push('', `# ${v.description}`, `# ${name}=${v.default ?? ''}`);
  return `${lines.join('\n')}\n`;
}

/** The entries of .gitignore a monitoring project needs. */
export function gitignoreLines(): string[] {
  return read('templates/gitignore')
    .split('\n')
    .filter((l) => l.trim());
}

/** What init puts into package.json: the scripts, and the package at `spec` with its Playwright peer. */
export function packageAdditions(spec: string): { scripts: Record<string, string>; devDependencies: Record<string, string> } {
  const own = JSON.parse(read('package.json')) as { peerDependencies: Record<string, string> };
  return {
    scripts: { canary: 'canary', test: 'canary run', doctor: 'canary doctor' },
    devDependencies: { 'checkout-canary': spec, '@playwright/test': own.peerDependencies['@playwright/test']! },
  };
}
