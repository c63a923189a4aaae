/**
 * The set-up's apt-get waits for another apt's lock instead of failing at once. Shown for real,
 * as root with apt: a process holds dpkg's frontend lock (as a running apt does, with fcntl);
 * apt-get without the wait fails at once; the set-up's apt-get waits, and finishes once the lock
 * is let go. The package it installs is one already there (Chromium, from the set-up), so nothing
 * changes on the machine.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { aptGetArgs } from './apt.ts';

const LOCK = '/var/lib/dpkg/lock-frontend';
const asRootWithApt = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get') && existsSync(LOCK);

/**
 * Holds dpkg's lock as a running apt does (an fcntl write lock; `flock` would not block apt) until
 * its stdin closes; resolves once it holds it. Perl, because perl-base is in every Debian.
 */
function holdLock(): Promise<ChildProcess> {
  const script = [
    'open(my $f, ">>", $ARGV[0]) or die "open $ARGV[0]: $!";',
    'my $lock = pack("s s x![q] q q i x![q]", F_WRLCK, SEEK_SET, 0, 0, 0);',
    'fcntl($f, F_SETLKW, $lock) or die "lock $ARGV[0]: $!";',
    '$| = 1; print "held\\n"; <STDIN>;',
  ].join(' ');
  const holder = spawn('perl', ['-MFcntl', '-e', script, LOCK], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    holder.once('error', reject);
    holder.once('close', (code) => reject(new Error(`the lock holder ended (${code}) before holding ${LOCK}`)));
    holder.stdout!.once('data', () => resolve(holder));
  });
}

test('apt-get waits for another apt to let go of its lock, then runs', {
  skip: !asRootWithApt && 'needs root and apt (as the set-up itself does)',
  timeout: 120_000,
}, async () => {
  const installed = ['install', '-y', '--no-install-recommends', 'chromium'];
  const holder = await holdLock();
  try {
    const impatient = spawnSync('apt-get', installed, { encoding: 'utf8', timeout: 60_000 });
    assert.notEqual(impatient.status, 0, 'without the wait, apt-get fails at once');
    assert.match(impatient.stderr, /Could not get lock/);

    const patient = spawn('apt-get', aptGetArgs(installed), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    let output = '';
    const done = new Promise<number | null>((resolve) => patient.once('close', resolve));
    // It says it waits for the lock (and does not exit) while the lock is held.
    await new Promise<void>((resolve, reject) => {
      const onData = (c: Buffer) => {
        output += c.toString();
        if (/Waiting for cache lock/.test(output)) resolve();
      };
      patient.stdout!.on('data', onData);
      patient.stderr!.on('data', onData);
      patient.once('close', (code) => reject(new Error(`apt-get ended (${code}) before waiting for the lock:\n${output}`)));
    });
    assert.equal(patient.exitCode, null, 'still waiting');
    holder.stdin!.end();
    assert.equal(await done, 0, output);
  } finally {
    holder.kill();
  }
});
