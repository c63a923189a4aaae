/**
 * Finding a Chromium to drive, and the ffmpeg Playwright records video with. Playwright's own
 * downloads are impossible on some machines (ours among them), so the browser order is:
 * CANARY_CHROMIUM, a browser Playwright installed, then Debian's /usr/bin/chromium; and video
 * needs an ffmpeg at the one path Playwright looks (`npm run setup:browser` links Debian's there).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { chromium } from '@playwright/test';

/** Flags Chromium needs on machines with no network beyond a package registry. */
export const CHROMIUM_ARGS = ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

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
    "No Chromium found: run `npm run setup:browser` (installs Debian's chromium with apt, or Playwright's with `npx playwright install chromium`), or set CANARY_CHROMIUM to a Chromium binary.",
  );
}

export const SYSTEM_FFMPEG = '/usr/bin/ffmpeg';

/** Where playwright-core keeps browsers.json: the copy @playwright/test (the project's, a peer of this package) loads. */
function playwrightCoreDir(): string {
  const fromTest = createRequire(createRequire(import.meta.url).resolve('@playwright/test/package.json'));
  const fromPlaywright = createRequire(fromTest.resolve('playwright/package.json'));
  return path.dirname(fromPlaywright.resolve('playwright-core/package.json'));
}

/** The ffmpeg build revision this Playwright expects (the "ffmpeg" entry of its browsers.json). */
export function playwrightFfmpegRevision(coreDir: string = playwrightCoreDir()): string {
  const file = path.join(coreDir, 'browsers.json');
  const { browsers } = JSON.parse(readFileSync(file, 'utf8')) as { browsers: { name: string; revision: string }[] };
  const entry = browsers.find((b) => b.name === 'ffmpeg');
  if (!entry) throw new Error(`${file} has no "ffmpeg" entry, so the video recorder's path is unknown; reinstall playwright (npm ci).`);
  return entry.revision;
}

/** The executable's name inside ffmpeg-<revision>/, per platform, as in Playwright's registry. */
const FFMPEG_EXECUTABLES: Partial<Record<NodeJS.Platform, string>> = {
  linux: 'ffmpeg-linux',
  darwin: 'ffmpeg-mac',
  win32: 'ffmpeg-win64.exe',
};

export interface PlaywrightHost {
  platform: NodeJS.Platform;
  homedir: string;
  cwd: string;
  /** playwright-core's folder: browsers.json, and .local-browsers for PLAYWRIGHT_BROWSERS_PATH=0. */
  coreDir: string;
  revision: string;
}

/**
 * The path at which Playwright runs ffmpeg to record video, computed as its registry does:
 * PLAYWRIGHT_BROWSERS_PATH (also read from npm config; `0` means inside playwright-core; a
 * relative path counts from INIT_CWD or the cwd), else the per-user cache's ms-playwright/.
 * Null on a platform Playwright has no ffmpeg for. (Only webkit has per-host revision
 * overrides; if ffmpeg gains one, this path is wrong and the check below says "no video".)
 */
export function playwrightFfmpegPath(env: NodeJS.ProcessEnv = process.env, host: Partial<PlaywrightHost> = {}): string | null {
  const platform = host.platform ?? process.platform;
  const executable = FFMPEG_EXECUTABLES[platform];
  if (!executable) return null;
  const homedir = host.homedir ?? os.homedir();
  const coreDir = host.coreDir ?? playwrightCoreDir();
  const revision = host.revision ?? playwrightFfmpegRevision(coreDir);
  const fromEnv = (name: string) => env[name] ?? env[`npm_config_${name.toLowerCase()}`] ?? env[`npm_package_config_${name.toLowerCase()}`];
  const configured = fromEnv('PLAYWRIGHT_BROWSERS_PATH');
  const pathApi = platform === 'win32' ? path.win32 : path.posix;
  let registry: string;
  if (configured === '0') registry = pathApi.join(coreDir, '.local-browsers');
  else if (configured) registry = configured;
  else if (platform === 'linux') registry = pathApi.join(env.XDG_CACHE_HOME || pathApi.join(homedir, '.cache'), 'ms-playwright');
  else if (platform === 'darwin') registry = pathApi.join(homedir, 'Library', 'Caches', 'ms-playwright');
  else registry = pathApi.join(env.LOCALAPPDATA || pathApi.join(homedir, 'AppData', 'Local'), 'ms-playwright');
  if (!pathApi.isAbsolute(registry)) registry = pathApi.resolve(fromEnv('INIT_CWD') || (host.cwd ?? process.cwd()), registry);
  return pathApi.join(registry, `ffmpeg-${revision}`, executable);
}

/**
 * Whether Playwright can record video: an ffmpeg at exactly the path it will run (a symlink to
 * Debian's ffmpeg counts; a dangling one does not), since Playwright's download is not possible
 * everywhere.
 */
export function videoRecorderInstalled(env: NodeJS.ProcessEnv = process.env, exists: (p: string) => boolean = existsSync): boolean {
  try {
    const expected = playwrightFfmpegPath(env);
    return expected !== null && exists(expected);
  } catch {
    return false;
  }
}
