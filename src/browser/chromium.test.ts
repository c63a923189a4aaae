import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BrowserNotFound, SYSTEM_CHROMIUM, findChromium, playwrightFfmpegPath, playwrightFfmpegRevision, videoRecorderInstalled } from './chromium.ts';

test('CANARY_CHROMIUM comes first, and a missing path is an error naming it', () => {
  assert.deepEqual(
    findChromium({ CANARY_CHROMIUM: '/opt/chrome' }, (p) => p === '/opt/chrome' || p === SYSTEM_CHROMIUM),
    {
      path: '/opt/chrome',
      source: 'CANARY_CHROMIUM',
    },
  );
  assert.throws(() => findChromium({ CANARY_CHROMIUM: '/nope/chrome' }, () => false), /CANARY_CHROMIUM is set to \/nope\/chrome, which does not exist/);
});

test("falls back to the system chromium when Playwright's browser is not installed", () => {
  assert.deepEqual(
    findChromium({}, (p) => p === SYSTEM_CHROMIUM),
    { path: SYSTEM_CHROMIUM, source: 'system' },
  );
});

test('no browser at all is a one-line error that says how to get one', () => {
  assert.throws(
    () => findChromium({}, () => false),
    (err: Error) => {
      assert.ok(err instanceof BrowserNotFound);
      assert.doesNotMatch(err.message, /\n/);
      assert.match(err.message, /npm run setup:browser/);
      return true;
    },
  );
});

const linux = { platform: 'linux', homedir: '/home/ada', cwd: '/work/app', coreDir: '/work/app/node_modules/playwright-core', revision: '1013' } as const;

test("Playwright's ffmpeg path: the per-user cache by default, XDG_CACHE_HOME when set", () => {
  assert.equal(playwrightFfmpegPath({}, linux), '/home/ada/.cache/ms-playwright/ffmpeg-1013/ffmpeg-linux');
  assert.equal(playwrightFfmpegPath({ XDG_CACHE_HOME: '/var/cache' }, linux), '/var/cache/ms-playwright/ffmpeg-1013/ffmpeg-linux');
});

test("Playwright's ffmpeg path follows PLAYWRIGHT_BROWSERS_PATH as Playwright reads it", () => {
  const env = { XDG_CACHE_HOME: '/var/cache' };
  assert.equal(playwrightFfmpegPath({ ...env, PLAYWRIGHT_BROWSERS_PATH: '/opt/pw' }, linux), '/opt/pw/ffmpeg-1013/ffmpeg-linux');
  assert.equal(playwrightFfmpegPath({ npm_config_playwright_browsers_path: '/opt/npm-pw' }, linux), '/opt/npm-pw/ffmpeg-1013/ffmpeg-linux');
  assert.equal(
    playwrightFfmpegPath({ PLAYWRIGHT_BROWSERS_PATH: '0' }, linux),
    '/work/app/node_modules/playwright-core/.local-browsers/ffmpeg-1013/ffmpeg-linux',
  );
  assert.equal(playwrightFfmpegPath({ PLAYWRIGHT_BROWSERS_PATH: 'pw' }, linux), '/work/app/pw/ffmpeg-1013/ffmpeg-linux');
  assert.equal(playwrightFfmpegPath({ PLAYWRIGHT_BROWSERS_PATH: 'pw', INIT_CWD: '/home/ada/src' }, linux), '/home/ada/src/pw/ffmpeg-1013/ffmpeg-linux');
  assert.equal(playwrightFfmpegPath({ PLAYWRIGHT_BROWSERS_PATH: '' }, linux), '/home/ada/.cache/ms-playwright/ffmpeg-1013/ffmpeg-linux');
});

test("Playwright's ffmpeg path on macOS and Windows, and none where Playwright has no ffmpeg", () => {
  assert.equal(
    playwrightFfmpegPath({}, { ...linux, platform: 'darwin', homedir: '/Users/ada' }),
    '/Users/ada/Library/Caches/ms-playwright/ffmpeg-1013/ffmpeg-mac',
  );
  assert.equal(
    playwrightFfmpegPath({ LOCALAPPDATA: 'C:\\Users\\ada\\AppData\\Local' }, { ...linux, platform: 'win32' }),
    'C:\\Users\\ada\\AppData\\Local\\ms-playwright\\ffmpeg-1013\\ffmpeg-win64.exe',
  );
  assert.equal(playwrightFfmpegPath({}, { ...linux, platform: 'freebsd' }), null);
});

test("the revision comes from the installed playwright-core's browsers.json", () => {
  const revision = playwrightFfmpegRevision();
  assert.match(revision, /^\d+$/);
  assert.equal(path.basename(path.dirname(playwrightFfmpegPath({ PLAYWRIGHT_BROWSERS_PATH: '/opt/pw' })!)), `ffmpeg-${revision}`);
});

test('a browsers.json without an ffmpeg entry is an error naming the file', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'canary-pw-core-'));
  try {
    writeFileSync(
      path.join(dir, 'browsers.json'),
      JSON.stringify({
        browsers: [
          { name: 'chromium', revision: '1' },
          { name: 'ffmpeg', revision: '77' },
        ],
      }),
    );
    assert.equal(playwrightFfmpegRevision(dir), '77');
    writeFileSync(path.join(dir, 'browsers.json'), JSON.stringify({ browsers: [{ name: 'chromium', revision: '1' }] }));
    assert.throws(() => playwrightFfmpegRevision(dir), new RegExp(`${dir}/browsers.json has no "ffmpeg" entry`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the video recorder counts only at the exact path Playwright runs, not another revision', () => {
  const env = { PLAYWRIGHT_BROWSERS_PATH: '/opt/pw' };
  const expected = playwrightFfmpegPath(env)!;
  assert.equal(
    videoRecorderInstalled(env, (p) => p === expected),
    true,
  );
  assert.equal(
    videoRecorderInstalled(env, (p) => p.startsWith('/opt/pw/ffmpeg-1') && p !== expected),
    false,
  );
  assert.equal(
    videoRecorderInstalled(env, () => false),
    false,
  );
});
