/**
 * Test helper: a real, throwaway PostgreSQL server from the machine's own packages. Each call
 * initialises a data directory under a fresh temporary folder, starts the server on a free port of
 * 127.0.0.1 (trust auth, loopback only, fsync off) and returns a postgres:// URL to a new
 * database. As root the server runs as a non-root user (postgres, else nobody), as PostgreSQL
 * requires. Every step is bounded; `stop()` kills the server's process group and removes the
 * folder. Where the server is not installed it throws saying how to install it: tests fail, they
 * are not skipped.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.ts';

export interface StartedPostgres {
  /** postgres://canary@127.0.0.1:PORT/canary (no password: trust auth on loopback). */
  url: string;
  stop(): Promise<void>;
}

const INSTALL_HINT =
  "PostgreSQL's server (initdb and postgres) was not found in /usr/lib/postgresql/*/bin or on PATH; install it with `apt-get install postgresql` (Debian/Ubuntu) and run the tests again";
const INITDB_MS = 60_000;
const READY_MS = 30_000;
const STOP_MS = 10_000;

/** Where to look: the highest version under /usr/lib/postgresql (Debian's layout) first, then PATH. */
function searchDirs(): string[] {
  const debian = '/usr/lib/postgresql';
  const versions = existsSync(debian)
    ? readdirSync(debian)
        .filter((v) => /^\d+(\.\d+)?$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  return [...versions.map((v) => path.join(debian, v, 'bin')), ...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean)];
}

export function findPostgresBinaries(dirs = searchDirs()): { initdb: string; postgres: string } | undefined {
  for (const dir of dirs) {
    const initdb = path.join(dir, 'initdb');
    const postgres = path.join(dir, 'postgres');
    if (existsSync(initdb) && existsSync(postgres)) return { initdb, postgres };
  }
  return undefined;
}

/** PostgreSQL refuses to run as root: as root, the user to run it as, and how to switch to it. */
function serverUser(): { name: string; uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const users = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((l) => l.split(':'))
    .filter((f) => f.length >= 4);
  for (const name of ['postgres', 'nobody']) {
    const f = users.find((u) => u[0] === name);
    if (f) return { name, uid: Number(f[2]), gid: Number(f[3]) };
  }
  throw new Error('running as root, and neither a postgres nor a nobody user exists to run PostgreSQL as; create one (adduser --system postgres)');
}

function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no server log)';
  }
}

export async function startPostgres(opts: { log?: (line: string) => void; binDirs?: string[] } = {}): Promise<StartedPostgres> {
  const log = opts.log ?? (() => {});
  const bin = findPostgresBinaries(opts.binDirs);
  if (!bin) throw new Error(INSTALL_HINT);
  const user = serverUser();
  // setpriv execs in place, so the child we hold is the postmaster itself (runuser would sit between).
  const asUser = (cmd: string, args: string[]): [string, string[]] =>
    user ? ['setpriv', [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', '--', cmd, ...args]] : [cmd, args];

  const dir = mkdtempSync(path.join(os.tmpdir(), 'canary-pg-'));
  if (user) chownSync(dir, user.uid, user.gid);
  const data = path.join(dir, 'data');
  const serverLog = path.join(dir, 'server.log');
  let child: ChildProcess | undefined;
  const killGroup = () => {
    try {
      if (child?.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  // Should the test process end without stop(), the server must not outlive it.
  const onExit = () => {
    killGroup();
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);

  const stop = async () => {
    process.off('exit', onExit);
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child!.once('exit', () => resolve()));
      // SIGQUIT is PostgreSQL's immediate shutdown; its own children go with it.
      child.kill('SIGQUIT');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_MS)))]);
      clearTimeout(timer);
    }
    killGroup();
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const [cmd, args] = asUser(bin.initdb, ['-D', data, '-U', 'canary', '--auth=trust', '--no-sync', '--encoding=UTF8', '--locale=C']);
    log(`postgres: initdb ${data}${user ? ` as ${user.name}` : ''}`);
    await new Promise<void>((resolve, reject) =>
      execFile(cmd, args, { timeout: INITDB_MS, killSignal: 'SIGKILL', cwd: dir }, (err, stdout, stderr) =>
        err ? reject(new Error(`initdb failed (${err.message.split('\n')[0]}): ${(stderr || stdout).trim().split('\n').slice(-5).join(' | ')}`)) : resolve(),
      ),
    );
    // Loopback only, whatever initdb wrote.
    writeFileSync(path.join(data, 'pg_hba.conf'), 'local all all trust\nhost all all 127.0.0.1/32 trust\n');

    const port = await freePort();
    const [pcmd, pargs] = asUser(bin.postgres, [
      '-D',
      data,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${dir}`,
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
    ]);
    const fd = openSync(serverLog, 'a');
    child = spawn(pcmd, pargs, { cwd: dir, detached: true, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    const exited = new Promise<string>((resolve) => child!.once('exit', (code, signal) => resolve(`exited (${signal ?? `code ${code}`})`)));
    child.once('error', () => {});

    const admin = `postgres://canary@127.0.0.1:${port}/postgres`;
    const deadline = Date.now() + READY_MS;
    let last = 'not tried';
    for (;;) {
      const client = new pg.Client({ connectionString: admin, connectionTimeoutMillis: 2_000 });
      try {
        await client.connect();
        await client.query('create database canary');
        break;
      } catch (err) {
        last = (err as Error).message;
      } finally {
        await client.end().catch(() => {});
      }
      const early = await Promise.race([exited, new Promise<undefined>((resolve) => setTimeout(resolve, 100))]);
      if (early) throw new Error(`PostgreSQL ${early} before accepting connections; its log:\n${tail(serverLog)}`);
      if (Date.now() > deadline)
        throw new Error(`PostgreSQL did not accept connections on 127.0.0.1:${port} within ${READY_MS / 1000} s (${last}); its log:\n${tail(serverLog)}`);
    }
    log(`postgres: listening on 127.0.0.1:${port}`);
    return { url: `postgres://canary@127.0.0.1:${port}/canary`, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
