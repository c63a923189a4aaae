/**
 * Peers of the Stripe emulator from the npm registry, to compare it with side by side. They are
 * not the project's dependencies (they would burden every install): `stripe-stateful-mock` is
 * installed on demand into reports/bench/.peers/ (generated, never committed), bounded, and
 * started on a free port with PORT. For a stripe-mock-style stateless peer, the names below were
 * looked up on npm (`npm view`, 2026-12): none exists there (stripe/stripe-mock ships as a Go
 * binary and a Docker image, neither reachable from this machine).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../../src/testing/free-port.ts';
import { type Service, startCommand, track } from '../lib/spawn-service.ts';
import { ROOT } from './canary-process.ts';

export const STATEFUL_PEER = { name: 'stripe-stateful-mock', version: '0.0.16' } as const;
export const STATELESS_PEERS_CHECKED = ['stripe-mock', '@stripe/stripe-mock', 'stripe-mock-server'] as const;
export const PEERS_DIR = path.join(ROOT, 'reports', 'bench', '.peers');
const INSTALL_BOUND_MS = 3 * 60_000;

export type Installed = { ok: true; cli: string } | { ok: false; why: string };

/** The peer's command-line program, installed first when it is not there yet (or why it could not be). */
export async function installStatefulPeer(progress: (line: string) => void): Promise<Installed> {
  const pkgDir = path.join(PEERS_DIR, 'node_modules', STATEFUL_PEER.name);
  const cli = path.join(pkgDir, 'dist', 'cli.js');
  const installed = () => {
    try {
      return JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).version === STATEFUL_PEER.version && existsSync(cli);
    } catch {
      return false;
    }
  };
  if (installed()) return { ok: true, cli };
  const spec = `${STATEFUL_PEER.name}@${STATEFUL_PEER.version}`;
  progress(`installing ${spec} into ${path.relative(ROOT, PEERS_DIR)}/ (npm, once)`);
  mkdirSync(PEERS_DIR, { recursive: true });
  const result = await new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn('npm', ['install', '--prefix', PEERS_DIR, spec, '--no-save', '--no-audit', '--no-fund', '--ignore-scripts'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    track(child, false);
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const bound = setTimeout(() => child.kill('SIGKILL'), INSTALL_BOUND_MS);
    child.once('error', (err) => resolve({ code: null, output: err.message }));
    child.once('close', (code) => {
      clearTimeout(bound);
      resolve({ code, output });
    });
  });
  if (result.code === 0 && installed()) return { ok: true, cli };
  const last = result.output.trim().split('\n').filter(Boolean).at(-1) ?? 'no output';
  return { ok: false, why: `npm install ${spec} failed (exit ${result.code ?? 'killed'}): ${last}` };
}

/** Starts stripe-stateful-mock on a free port (pinned like the emulator), ready once it says so. */
export async function startStatefulPeer(cli: string, cpu?: number): Promise<Service> {
  const port = await freePort();
  return startCommand([process.execPath, cli], {
    env: { ...process.env, PORT: String(port), LOG_LEVEL: 'info' },
    ready: /Server started on port (\d+)/,
    url: (m) => `http://127.0.0.1:${m[1]}`,
    cpu,
    name: STATEFUL_PEER.name,
  });
}
