/**
 * Set-up step: makes sure a Chromium is there. Does nothing when one is found; otherwise
 * installs Debian's `chromium` with apt where apt exists (as root, or through sudo), and
 * Playwright's own download elsewhere.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { BrowserNotFound, findChromium } from '../src/browser/chromium.ts';

function found(): string | null {
  try {
    const b = findChromium();
    return `${b.path} (${b.source})`;
  } catch (err) {
    if (err instanceof BrowserNotFound && process.env.CANARY_CHROMIUM) throw err;
    return null;
  }
}

function run(cmd: string, args: string[]): boolean {
  console.log(`$ ${cmd} ${args.join(' ')}`);
  return spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
}

const already = found();
if (already) {
  console.log(`Chromium: ${already}`);
  process.exit(0);
}
const hasApt = existsSync('/usr/bin/apt-get');
const isRoot = process.getuid?.() === 0;
const sudo = !isRoot && existsSync('/usr/bin/sudo') ? ['sudo', '-n'] : [];
if (hasApt && (isRoot || sudo.length)) {
  const [cmd, ...pre] = sudo.length ? sudo : ['apt-get'];
  const apt = sudo.length ? [...pre, 'apt-get'] : [];
  run(cmd!, [...apt, 'update']) && run(cmd!, [...apt, 'install', '-y', '--no-install-recommends', 'chromium']);
} else {
  run('npx', ['playwright', 'install', 'chromium']);
}
const after = found();
if (!after) {
  console.error(
    'No Chromium could be installed. Install one (Debian: `apt-get install chromium`; elsewhere: `npx playwright install chromium`) or set CANARY_CHROMIUM to its path.',
  );
  process.exit(1);
}
console.log(`Chromium: ${after}`);
