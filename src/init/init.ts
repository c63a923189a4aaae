/**
 * `canary init [DIR]`: a monitoring project for a team's own app, in DIR (default: here). It
 * writes the config, an adapter that starts as a copy of the demo app's, one spec, .env.example
 * and the GitHub Actions workflows; it adds to a package.json and a .gitignore that are there
 * instead of replacing them; and it never overwrites a file that exists unless `--force` — every
 * such file is named first and nothing is written. Out of the box the project passes: after
 * `npm install`, `npx canary run` drives the bundled demo app through the adapter's copy.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AppVariables } from '../app/define-app.ts';
import { writableFolderProblem } from '../config/schemas.ts';
import { UserError } from '../errors.ts';
import { packageVersion } from '../package-root.ts';
import { gitignoreLines, packageAdditions, scaffoldFiles } from './files.ts';

export interface InitOptions {
  /** The project's folder (made when missing). */
  dir: string;
  /** The folder as the user named it, for messages. Default `dir`. */
  label?: string;
  /** How the project depends on checkout-canary. Default `^` this version. */
  packageSpec?: string;
  force?: boolean;
}

export interface InitResult {
  dir: string;
  /** Files written (relative), package.json and .gitignore included when they were made or changed. */
  wrote: string[];
  /** What an existing package.json kept of its own instead of ours (a script of the same name). */
  kept: string[];
}

class InitError extends UserError {}

/** The project's name as npm takes one, from its folder's name. */
function packageName(dir: string): string {
  return (
    path
      .basename(dir)
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[._-]+|-+$/g, '') || 'canary-monitor'
  );
}

function readPackageJson(file: string): Record<string, unknown> | null {
  if (!existsSync(file)) return null;
  try {
    const json = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (!json || typeof json !== 'object' || Array.isArray(json)) throw new Error('it is not an object');
    return json as Record<string, unknown>;
  } catch (err) {
    throw new InitError(`${file} is not a package.json init can add to (${(err as Error).message}); fix it or init another folder`);
  }
}

/** Ours added where theirs has nothing by that name; every other field of theirs kept as it is. */
function mergePackageJson(existing: Record<string, unknown> | null, dir: string, spec: string): { json: Record<string, unknown>; kept: string[] } {
  const add = packageAdditions(spec);
  const kept: string[] = [];
  const json: Record<string, unknown> = existing ? { ...existing } : { name: packageName(dir), private: true, type: 'module' };
  const scripts = { ...((json.scripts as Record<string, string>) ?? {}) };
  for (const [name, command] of Object.entries(add.scripts)) {
    if (scripts[name] === undefined) scripts[name] = command;
    else if (scripts[name] !== command) kept.push(`scripts.${name} ("${scripts[name]}"; canary's would be "${command}")`);
  }
  const deps = (json.dependencies as Record<string, string>) ?? {};
  const devDependencies = { ...((json.devDependencies as Record<string, string>) ?? {}) };
  for (const [name, range] of Object.entries(add.devDependencies)) {
    if (deps[name] === undefined && devDependencies[name] === undefined) devDependencies[name] = range;
  }
  return { json: { ...json, scripts, devDependencies }, kept };
}

export function initProject(o: InitOptions, appVariables: AppVariables): InitResult {
  const dir = path.resolve(o.dir);
  const label = o.label ?? o.dir;
  if (existsSync(dir) && !statSync(dir).isDirectory())
    throw new InitError(`${label} is a file, not a folder: give init a folder (it makes one that does not exist)`);
  const problem = writableFolderProblem(dir);
  if (problem) throw new InitError(`${label}: ${problem}; give init a folder it can write to`);
  const spec = o.packageSpec ?? `^${packageVersion()}`;
  const files = scaffoldFiles(appVariables);
  const existing = files.filter((f) => existsSync(path.join(dir, f.path)));
  if (existing.length > 0 && !o.force) {
    throw new InitError(
      `${existing.map((f) => f.path).join(', ')} already exist${existing.length === 1 ? 's' : ''} in ${label}: nothing was written; pass --force to overwrite them`,
    );
  }
  const pkgFile = path.join(dir, 'package.json');
  const { json, kept } = mergePackageJson(readPackageJson(pkgFile), dir, spec);
  const gitignore = path.join(dir, '.gitignore');
  const ignored = existsSync(gitignore) ? readFileSync(gitignore, 'utf8') : '';
  const missing = gitignoreLines().filter((l) => !ignored.split('\n').some((x) => x.trim() === l));

  const wrote: string[] = [];
  const write = (rel: string, content: string) => {
    const file = path.join(dir, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
    wrote.push(rel);
  };
  write('package.json', `${JSON.stringify(json, null, 2)}\n`);
  for (const f of files) write(f.path, f.content);
  if (missing.length > 0) write('.gitignore', `${ignored}${ignored && !ignored.endsWith('\n') ? '\n' : ''}${missing.join('\n')}\n`);
  return { dir, wrote, kept };
}
