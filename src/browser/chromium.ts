/**
 * Finding a Chromium to drive. Playwright's own browser download is impossible on some
 * machines (ours among them), so the order is: CANARY_CHROMIUM, a browser Playwright
 * installed, then Debian's /usr/bin/chromium.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright';

/** Flags Chromium needs on machines with no network beyond a package registry. */
export const CHROMIUM_ARGS = [
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export const SYSTEM_CHROMIUM = '/usr/bin/chromium';

export class BrowserNotFound extends Error {
  override readonly name = 'BrowserNotFound';
}

export interface FoundBrowser {
  path: string;
  source: 'CANARY_CHROMIUM' | 'playwright' | 'system';
}

export function findChromium(env: NodeJS.ProcessEnv = process.env, exists: (p: string) => boolean = existsSync): FoundBrowser {
  const configured = env.CANARY_CHROMIUM;
  if (configured) {
    if (!exists(configured)) {
      throw new BrowserNotFound(`CANARY_CHROMIUM is set to ${configured}, which does not exist; point it at a Chromium binary or unset it.`);
    }
    return { path: configured, source: 'CANARY_CHROMIUM' };
  }
  let bundled: string | undefined;
  try {
    bundled = chromium.executablePath();
  } catch {
    bundled = undefined;
  }
  if (bundled && exists(bundled)) return { path: bundled, source: 'playwright' };
  if (exists(SYSTEM_CHROMIUM)) return { path: SYSTEM_CHROMIUM, source: 'system' };
  throw new BrowserNotFound(
    'No Chromium found: run `npm run setup:browser` (installs Debian\'s chromium with apt, or Playwright\'s with `npx playwright install chromium`), or set CANARY_CHROMIUM to a Chromium binary.',
  );
}

/** Whether Playwright's own ffmpeg (needed for video) is installed; its download is not possible everywhere. */
export function videoRecorderInstalled(exists: (p: string) => boolean = existsSync): boolean {
  try {
    const dir = path.dirname(path.dirname(chromium.executablePath()));
    const root = process.env.PLAYWRIGHT_BROWSERS_PATH || path.dirname(dir);
    return readdirSync(root).some((d) => d.startsWith('ffmpeg-') && exists(path.join(root, d, 'ffmpeg-linux')));
  } catch {
    return false;
  }
}
