/**
 * apt-get as the set-up runs it: noninteractive, and waiting (bounded) for another apt or dpkg
 * to let go of its lock instead of failing at once ("Could not get lock
 * /var/lib/dpkg/lock-frontend"), as apt's own `DPkg::Lock::Timeout` does.
 */
import { spawnSync } from 'node:child_process';

/** How long apt waits for another apt's lock, in seconds. */
export const APT_LOCK_TIMEOUT_S = 300;

/** apt-get's arguments, with the lock wait. */
export function aptGetArgs(args: string[]): string[] {
  return ['-o', `DPkg::Lock::Timeout=${APT_LOCK_TIMEOUT_S}`, ...args];
}

/** Runs apt-get (through `sudo -n` when `sudo` is given), printing the command; true on success. */
export function aptGet(args: string[], o: { sudo?: boolean; timeoutMs: number }): boolean {
  const command = o.sudo ? ['sudo', '-n', 'apt-get', ...aptGetArgs(args)] : ['apt-get', ...aptGetArgs(args)];
  console.log(`$ ${command.join(' ')}`);
  const r = spawnSync(command[0]!, command.slice(1), { stdio: 'inherit', timeout: o.timeoutMs, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (r.error) console.warn(`apt-get failed: ${r.error.message}`);
  return r.status === 0;
}
