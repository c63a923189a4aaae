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

/** A process's state letter and its process group, from /proc; null when it is gone. */
function statOf(pid: number): { state: string; pgrp: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0]!, pgrp: Number(fields[2]) };
  } catch {
    return null;
  }
}

/** Whether `pid` still runs: it exists and is neither a zombie nor dead (a killed process takes a moment to go). */
function running(pid: number): boolean {
  const s = statOf(pid);
  return s !== null && s.state !== 'Z' && s.state !== 'X' && s.state !== 'x';
}

/** Each process as `pid (state: command)`, for a message about processes that should be gone. */
export function describeProcesses(pids: number[]): string {
  return pids
    .map((pid) => {
      try {
        const command = readFileSync(`/proc/${pid}/cmdline`, 'latin1').replaceAll('\0', ' ').trim().slice(0, 100);
        return `${pid} (${statOf(pid)?.state ?? '?'}: ${command})`;
      } catch {
        return `${pid} (gone)`;
      }
    })
    .join(', ');
}

/** How long the crash may take (its processes torn down) before it is said to have failed. */
const CRASH_BOUND_MS = 20_000;

/**
 * A machine crash, for one run: `root` (the `canary` process), everything under it and every
 * process carrying the run's hand-off (browsers and helpers that left the tree) are stopped —
 * their whole process groups with them, which a fork cannot escape — until no new one appears,
 * then all killed with SIGKILL, groups included. Repeated until no process of the run runs any
 * more (bounded), so nothing the run was starting at that moment survives. Resolves with how many
 * processes there were; SIGKILL is delivered at once, but a process with a browser's memory takes
 * a moment to be torn down, and until then it is still listed.
 */
export async function crash(root: number, runId: string): Promise<number> {
  const seen = new Set<number>();
  const groups = new Set<number>();
  // Never this test's own group.
  const ours = statOf(process.pid)!.pgrp;
  const deadline = Date.now() + CRASH_BOUND_MS;
  const ofRun = () => [root, ...descendantsOf(root), ...[...seen].flatMap((p) => descendantsOf(p)), ...processesOfRun(runId)].filter(running);
  for (;;) {
    // Freeze: every process of the run and its group, until a scan finds nothing new.
    for (;;) {
      const more = ofRun().filter((p) => !seen.has(p));
      if (more.length === 0) break;
      for (const p of more) {
        seen.add(p);
        const pgrp = statOf(p)?.pgrp;
        if (pgrp && pgrp !== ours && !groups.has(pgrp)) {
          groups.add(pgrp);
          signal(-pgrp, 'SIGSTOP');
        }
        signal(p, 'SIGSTOP');
      }
    }
    for (const g of groups) signal(-g, 'SIGKILL');
    for (const p of seen) signal(p, 'SIGKILL');
    for (;;) {
      const alive = [...seen].filter(running);
      if (alive.length === 0) break;
      if (Date.now() >= deadline) throw new Error(`processes ${describeProcesses(alive)} still run ${CRASH_BOUND_MS / 1000} s after SIGKILL`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // Anything of the run that appeared meanwhile goes the same way.
    if (ofRun().length === 0) return seen.size;
    if (Date.now() >= deadline) throw new Error(`the run kept starting processes for ${CRASH_BOUND_MS / 1000} s: ${describeProcesses(ofRun())}`);
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
