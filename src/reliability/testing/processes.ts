/**
 * Test helpers for the reliability suite's processes: what a run left in Stripe and the app, and
 * a machine crash played on a run's processes (every one of them frozen, then killed: none gets
 * to notice another die).
 */
import { readdirSync, readFileSync } from 'node:fs';
import type Stripe from 'stripe';
import type { DemoHarness } from '../../demo-app/testing/harness.ts';
import { processesOfRun } from '../../runner/run.ts';

/** Every process under `pid` (children, their children…), from /proc. Linux only. */
export function descendantsOf(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The fields after the command's name (which may hold spaces and parentheses): state, ppid, …
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
    } catch {
      // Gone meanwhile.
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length) {
    for (const child of parents.get(queue.shift()!) ?? []) {
      queue.push(child);
      found.push(child);
    }
  }
  return found;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Gone.
  }
}

/** Whether `pid` still runs: it exists and is neither a zombie nor dead (a killed process takes a moment to go). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X' && state !== 'x';
  } catch {
    return false;
  }
}

/** Each process as `pid (state: command)`, for a message about processes that should be gone. */
export function describeProcesses(pids: number[]): string {
  return pids
    .map((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
        const command = readFileSync(`/proc/${pid}/cmdline`, 'latin1').replaceAll('\0', ' ').trim().slice(0, 100);
        return `${pid} (${stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)}: ${command})`;
      } catch {
        return `${pid} (gone)`;
      }
    })
    .join(', ');
}

/** How long a SIGKILLed process may take to die (its memory torn down) before the crash is said to have failed. */
const DIE_BOUND_MS = 15_000;

/**
 * A machine crash, for one run: `root` (the `canary` process), everything under it and every
 * process carrying the run's hand-off (browsers and helpers that left the tree) are stopped with
 * SIGSTOP until no new one appears, then all killed with SIGKILL. Resolves, with how many there
 * were, once every one of them is gone (bounded): SIGKILL is delivered at once, but a process with
 * a browser's memory takes a moment to be torn down, and until then it is still listed.
 */
export async function crash(root: number, runId: string): Promise<number> {
  const frozen = new Set<number>([root]);
  signal(root, 'SIGSTOP');
  for (;;) {
    const more = [...descendantsOf(root), ...[...frozen].flatMap((p) => descendantsOf(p)), ...processesOfRun(runId)].filter((p) => !frozen.has(p));
    if (more.length === 0) break;
    for (const p of more) {
      frozen.add(p);
      signal(p, 'SIGSTOP');
    }
  }
  for (const p of frozen) signal(p, 'SIGKILL');
  const deadline = Date.now() + DIE_BOUND_MS;
  for (;;) {
    const alive = [...frozen].filter(running);
    if (alive.length === 0) return frozen.size;
    if (Date.now() >= deadline) throw new Error(`processes ${alive.join(', ')} still run ${DIE_BOUND_MS / 1000} s after SIGKILL`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface Leftovers {
  customers: Stripe.Customer[];
  /** The run's subscriptions that are not canceled. */
  liveSubscriptions: Stripe.Subscription[];
  webhookEndpoints: Stripe.WebhookEndpoint[];
  /** The app's environments labelled with the run (none when the app is not the harness's). */
  environments: { id: string; labels: Record<string, string> }[];
}

/** Everything in the harness's Stripe and app that carries `runId`, listed as a person would (no search, which may lag). */
export async function leftBy(h: DemoHarness, runId: string, o: { app?: boolean } = {}): Promise<Leftovers> {
  const customers: Stripe.Customer[] = [];
  for await (const c of h.stripe.customers.list({ limit: 100 })) if (c.metadata.canary_run_id === runId) customers.push(c);
  const liveSubscriptions: Stripe.Subscription[] = [];
  for await (const s of h.stripe.subscriptions.list({ status: 'all', limit: 100 }))
    if (s.metadata.canary_run_id === runId && s.status !== 'canceled') liveSubscriptions.push(s);
  const webhookEndpoints: Stripe.WebhookEndpoint[] = [];
  for await (const e of h.stripe.webhookEndpoints.list({ limit: 100 })) if (e.metadata.canary_run_id === runId) webhookEndpoints.push(e);
  const environments =
    o.app === false ? [] : ((await h.admin('GET', '/api/environments')).body.data as Leftovers['environments']).filter((e) => e.labels.canary_run_id === runId);
  return { customers, liveSubscriptions, webhookEndpoints, environments };
}

/** The counts of `leftBy`, for one assertion that says what is left. */
export function counts(l: Leftovers): Record<keyof Leftovers, number> {
  return {
    customers: l.customers.length,
    liveSubscriptions: l.liveSubscriptions.length,
    webhookEndpoints: l.webhookEndpoints.length,
    environments: l.environments.length,
  };
}

/** Moves the emulator's clock (and the app's, when `app`) forward by `seconds`. */
export async function advanceClocks(h: DemoHarness, seconds: number, o: { app?: boolean } = {}): Promise<void> {
  const res = await fetch(`${h.emulator.url}/_emulator/clock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ advance_seconds: seconds }),
  });
  if (res.status !== 200) throw new Error(`moving the emulator's clock answered ${res.status}: ${await res.text()}`);
  if (o.app === false) return;
  const app = await h.admin('POST', '/_demo/clock', { advance_seconds: seconds });
  if (app.status !== 200) throw new Error(`moving the app's clock answered ${app.status}: ${JSON.stringify(app.body)}`);
}
