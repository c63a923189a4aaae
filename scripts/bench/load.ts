/**
 * Load on a Stripe-like API through the official SDK: N clients (each its own keep-alive socket,
 * no retries), cycling through customer calls, for a while. Either paced (open loop: together the
 * clients offer a fixed rate, and latency counts from each request's scheduled time, so a stalled
 * server is not hidden by clients that simply wait) or back to back (closed loop: the most the
 * server serves). The same code drives the emulator and its peers.
 */
import http from 'node:http';
import Stripe from 'stripe';
import { percentile } from '../lib/stats.ts';

export const OPERATIONS = ['create', 'retrieve', 'list'] as const;
export type Operation = (typeof OPERATIONS)[number];

export interface LoadOptions {
  clients: number;
  durationMs: number;
  /** Requests per second offered by all clients together; 0 sends back to back. */
  rate: number;
  /** The calls each client cycles through (a retrieve or list before any create is a create). */
  operations: readonly Operation[];
}

export interface LoadResult {
  /** Latency in ms of each request that succeeded, per operation. */
  latencies: Record<Operation, number[]>;
  errors: number;
  firstError: string | null;
  elapsedS: number;
}

export interface LoadFigures {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
}

function client(url: string): Stripe {
  const u = new URL(url);
  return new Stripe('sk_test_bench', {
    host: u.hostname,
    port: Number(u.port),
    protocol: 'http',
    maxNetworkRetries: 0,
    telemetry: false,
    httpAgent: new http.Agent({ keepAlive: true, maxSockets: 1 }),
  });
}

export async function drive(url: string, o: LoadOptions): Promise<LoadResult> {
  const latencies: Record<Operation, number[]> = { create: [], retrieve: [], list: [] };
  let errors = 0;
  let firstError: string | null = null;
  const started = performance.now();
  const until = started + o.durationMs;
  const gap = o.rate > 0 ? (o.clients * 1000) / o.rate : 0;
  const wait = (at: number) => new Promise((r) => setTimeout(r, Math.max(0, at - performance.now())));
  await Promise.all(
    Array.from({ length: o.clients }, async (_, i) => {
      const stripe = client(url);
      let next = started + (gap * i) / o.clients;
      let customerId: string | null = null;
      for (let n = 0; ; n++) {
        if (gap > 0) {
          if (next >= until) break;
          await wait(next);
        } else if (performance.now() >= until) break;
        const scheduled = gap > 0 ? next : performance.now();
        const op: Operation = customerId === null ? 'create' : o.operations[n % o.operations.length]!;
        try {
          if (op === 'create') customerId = (await stripe.customers.create({ email: `bench-${i}@example.com`, metadata: { bench: 'load' } })).id;
          else if (op === 'retrieve') await stripe.customers.retrieve(customerId!);
          else await stripe.customers.list({ limit: 10 });
          latencies[op].push(performance.now() - scheduled);
        } catch (err) {
          errors++;
          firstError ??= `${op}: ${(err as Error).message}`;
        }
        next += gap;
      }
    }),
  );
  return { latencies, errors, firstError, elapsedS: (performance.now() - started) / 1000 };
}

/** Requests per second and latency over every operation of a load. */
export function loadFigures(r: LoadResult): LoadFigures {
  const all = Object.values(r.latencies)
    .flat()
    .sort((a, b) => a - b);
  if (all.length === 0) return { requests: 0, rps: 0, p50: Number.NaN, p99: Number.NaN, max: Number.NaN, errors: r.errors };
  return { requests: all.length, rps: all.length / r.elapsedS, p50: percentile(all, 50), p99: percentile(all, 99), max: all.at(-1)!, errors: r.errors };
}
