/**
 * Set-up step: makes sure a Chromium is there, then the ffmpeg Playwright records video with.
 * Does nothing for what is found; otherwise installs Debian's `chromium` / `ffmpeg` with apt
 * where apt exists (as root, or through sudo), and Playwright's own downloads elsewhere.
 * Debian's ffmpeg stands in for Playwright's build through a symlink at the path Playwright
 * runs. No video recorder is only a warning: runs then keep traces and screenshots, no video.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BrowserNotFound, SYSTEM_FFMPEG, findChromium, playwrightFfmpegPath } from '../src/browser/chromium.ts';
import { aptGet } from './lib/apt.ts';

function found(): string | null {
  try {
    const b = findChromium();
    return `${b.path} (${b.source})`;
  } catch (err) {
    if (err instanceof BrowserNotFound && process.env.CANARY_CHROMIUM) throw err;
    return null;
  }
}

/** An install that hangs (a dead mirror, a lock) must not hold a monitoring run forever. */
const INSTALL_TIMEOUT_MS = 10 * 60_000;

function run(cmd: string, args: string[]): boolean {
  console.log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', timeout: INSTALL_TIMEOUT_MS, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (r.error) console.warn(`${cmd} failed: ${r.error.message}`);
  return r.status === 0;
}

const hasApt = existsSync('/usr/bin/apt-get');
const isRoot = process.getuid?.() === 0;
const sudo = !isRoot && existsSync('/usr/bin/sudo') ? ['sudo', '-n'] : [];
const canApt = hasApt && (isRoot || sudo.length > 0);
let aptUpdated = false;

function apt(args: string[]): boolean {
  return aptGet(args, { sudo: sudo.length > 0, timeoutMs: INSTALL_TIMEOUT_MS });
}

/** Installs from the package lists as they are; `apt-get update` only when that fails (empty or stale lists), once per set-up. */
function aptInstall(pkg: string): boolean {
  const install = () => apt(['install', '-y', '--no-install-recommends', pkg]);
  if (install()) return true;
  if (aptUpdated) return false;
  aptUpdated = true;
  return apt(['update']) && install();
}

function ensureChromium(): void {
  const already = found();
  if (already) {
    console.log(`Chromium: ${already}`);
    return;
  }
  if (canApt) aptInstall('chromium');
  else run('npx', ['playwright', 'install', 'chromium']);
  const after = found();
  if (!after) {
    console.error(
      'No Chromium could be installed. Install one (Debian: `apt-get install chromium`; elsewhere: `npx playwright install chromium`) or set CANARY_CHROMIUM to its path.',
    );
    process.exit(1);
  }
  console.log(`Chromium: ${after}`);
}

function isSymlink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

function describeFfmpeg(expected: string): string {
  return isSymlink(expected) ? `${expected} -> ${readlinkSync(expected)} (system)` : `${expected} (playwright)`;
}

/** Puts Debian's ffmpeg where Playwright runs its own; a dangling link left from before is replaced. */
function linkSystemFfmpeg(expected: string): void {
  console.log(`$ ln -s ${SYSTEM_FFMPEG} ${expected}`);
  mkdirSync(path.dirname(expected), { recursive: true });
  if (isSymlink(expected)) rmSync(expected);
  symlinkSync(SYSTEM_FFMPEG, expected);
}

/**
 * Remembers that no video recorder could be had, so the set-up step before each run
 * (`prestart`, `pree2e`) does not try the install again; `npm run setup:browser` always does.
 */
const NO_VIDEO_MARKER = path.resolve(import.meta.dirname, '../.canary/no-video-recorder');
const explicitSetup = !['prestart', 'pree2e'].includes(process.env.npm_lifecycle_event ?? '');

function ensureVideoRecorder(): void {
  const noVideo = (why: string) =>
    console.warn(
      `Warning: no video recorder (${why}); runs will keep traces and screenshots but no video. To get video: install ffmpeg (Debian: \`apt-get install ffmpeg\`) and re-run \`npm run setup:browser\`, or run \`npx playwright install ffmpeg\`.`,
    );
  let expected: string | null;
  try {
    expected = playwrightFfmpegPath();
  } catch (err) {
    noVideo(`cannot tell where Playwright looks for ffmpeg: ${(err as Error).message}`);
    return;
  }
  if (expected === null) {
    noVideo(`Playwright has no ffmpeg for ${process.platform}`);
    return;
  }
  if (existsSync(expected)) {
    rmSync(NO_VIDEO_MARKER, { force: true });
    console.log(`Video recorder: ${describeFfmpeg(expected)}`);
    return;
  }
  if (!explicitSetup && existsSync(NO_VIDEO_MARKER)) {
    noVideo('an earlier set-up could not install one; `npm run setup:browser` tries again');
    return;
  }
  try {
    if (!existsSync(SYSTEM_FFMPEG) && canApt) aptInstall('ffmpeg');
    if (existsSync(SYSTEM_FFMPEG)) linkSystemFfmpeg(expected);
    else if (!canApt) run('npx', ['playwright', 'install', 'ffmpeg']);
  } catch (err) {
    noVideo((err as Error).message);
    return;
  }
  if (existsSync(expected)) {
    rmSync(NO_VIDEO_MARKER, { force: true });
    console.log(`Video recorder: ${describeFfmpeg(expected)}`);
  } else {
    mkdirSync(path.dirname(NO_VIDEO_MARKER), { recursive: true });
    writeFileSync(NO_VIDEO_MARKER, `${new Date().toISOString()}\n`);
    noVideo(`nothing at ${expected}, where Playwright runs ffmpeg, and no ${SYSTEM_FFMPEG} to link there`);
  }
}

ensureChromium();
ensureVideoRecorder();
