/**
 * Test helper: a team's monitoring project in a temporary folder, with `checkout-canary` (this
 * repository, built: its package.json's exports point into dist/) and `@playwright/test` linked
 * into its node_modules as an installed package would be, and the files the test gives. Removed
 * by `remove()`.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const REPO = path.resolve(import.meta.dirname, '../..');

export interface TempProject {
  dir: string;
  /** Writes a file of the project (folders made as needed); answers its path. */
  write(file: string, content: string): string;
  remove(): void;
}

export function tempProject(files: Record<string, string> = {}): TempProject {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'canary-project-'));
  mkdirSync(path.join(dir, 'node_modules', '@playwright'), { recursive: true });
  symlinkSync(REPO, path.join(dir, 'node_modules', 'checkout-canary'), 'dir');
  symlinkSync(path.join(REPO, 'node_modules', '@playwright', 'test'), path.join(dir, 'node_modules', '@playwright', 'test'), 'dir');
  const write = (file: string, content: string) => {
    const target = path.join(dir, file);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, content);
    return target;
  };
  write('package.json', JSON.stringify({ name: 'a-team-monitor', private: true, type: 'module' }, null, 2));
  for (const [file, content] of Object.entries(files)) write(file, content);
  return { dir, write, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
