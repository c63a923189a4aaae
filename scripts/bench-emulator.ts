/**
 * Benchmark: customer create + retrieve through the official SDK against the emulator, with 50
 * concurrent clients. The emulator runs in its own process pinned to one core (taskset), the
 * clients on the other. Prints p50/p99 latency and requests per second.
 *
 *   npm run bench:emulator [-- --seconds 10 --clients 50]
 */
import { parseArgs } from 'node:util';
import http from 'node:http';
import Stripe from 'stripe';
import { startService, pinned } from './lib/spawn-service.ts';
import { percentile } from './lib/stats.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    clients: { type: 'string', default: '50' },
    rate: { type: 'string', default: '2000' },
  },
});
const seconds = Number(values.seconds);
const clients = Number(values.clients);
const rate = Number(values.rate);

const service = await startService(['stripe-emulator', '--port', '0'], { cpu: 0 });
const isPinned = pinned(0, ['x']).length > 1;
const url = new URL(service.url);

function client(): Stripe {
  return new Stripe('sk_test_bench', {
    host: url.hostname,
    port: Number(url.port),
    protocol: 'http',
    maxNetworkRetries: 0,
    telemetry: false,
    httpAgent: new http.Agent({ keepAlive: true, maxSockets: 1 }),
  });
}

type Latencies = { create: number[]; retrieve: number[] };

/**
 * Paced (open-loop) load: each client sends on a fixed schedule so that together they offer
 * `rate` requests per second, and latency counts from the scheduled time, so a stalled server
 * is not hidden by clients that simply wait (coordinated omission). With `rate` 0 the clients
 * send back to back instead, which measures the maximum throughput.
 */
async function drive(durationMs: number, offered: number): Promise<{ lat: Latencies; errors: number; elapsed: number }> {
  const lat: Latencies = { create: [], retrieve: [] };
  let errors = 0;
  const started = performance.now();
  const until = started + durationMs;
  const gap = offered > 0 ? (clients * 1000) / offered : 0;
  const wait = (at: number) => new Promise((r) => setTimeout(r, Math.max(0, at - performance.now())));
  await Promise.all(
    Array.from({ length: clients }, async (_, i) => {
      const stripe = client();
      let next = started + (gap * i) / clients;
      let customerId: string | null = null;
      for (let n = 0; ; n++) {
        if (gap > 0) {
          if (next >= until) break;
          await wait(next);
        } else if (performance.now() >= until) break;
        const scheduled = gap > 0 ? next : performance.now();
        try {
          if (customerId === null || n % 2 === 0) {
            customerId = (await stripe.customers.create({ email: `bench-${i}@example.com`, metadata: { bench: 'emulator' } })).id;
            lat.create.push(performance.now() - scheduled);
          } else {
            await stripe.customers.retrieve(customerId);
            lat.retrieve.push(performance.now() - scheduled);
          }
        } catch {
          errors++;
        }
        next += gap;
      }
    }),
  );
  return { lat, errors, elapsed: (performance.now() - started) / 1000 };
}

function table(title: string, { lat, errors, elapsed }: Awaited<ReturnType<typeof drive>>): { p50: number; rps: number } {
  const all = [...lat.create, ...lat.retrieve].sort((a, b) => a - b);
  const rows = [
    ['create', lat.create.sort((a, b) => a - b)],
    ['retrieve', lat.retrieve.sort((a, b) => a - b)],
    ['all', all],
  ] as const;
  console.log(`\n${title}`);
  console.log('operation   requests     req/s    p50 ms    p99 ms    max ms');
  for (const [name, xs] of rows) {
    console.log(
      `${name.padEnd(10)} ${String(xs.length).padStart(9)} ${(xs.length / elapsed).toFixed(0).padStart(9)} ${percentile(xs, 50).toFixed(2).padStart(9)} ${percentile(xs, 99).toFixed(2).padStart(9)} ${xs.at(-1)!.toFixed(2).padStart(9)}`,
    );
  }
  console.log(`errors: ${errors}`);
  return { p50: percentile(all, 50), rps: all.length / elapsed };
}

try {
  console.log(
    `Stripe emulator benchmark: customer create + retrieve through the official SDK, ${clients} concurrent clients; emulator ${isPinned ? 'in its own process pinned to one core (taskset -c 0)' : 'in its own process (no taskset: not pinned)'}`,
  );
  await drive(1500, 0); // warm-up: JIT, sockets
  const paced = table(`Paced: ${rate} req/s offered for ${seconds} s (latency from the scheduled send time)`, await drive(seconds * 1000, rate));
  const saturated = table(`Saturated: clients back to back for ${Math.min(seconds, 5)} s (maximum throughput)`, await drive(Math.min(seconds, 5) * 1000, 0));
  console.log(
    `\nAim: p50 <= 2 ms at >= 1500 req/s. Measured: p50 ${paced.p50.toFixed(2)} ms at ${paced.rps.toFixed(0)} req/s; maximum ${saturated.rps.toFixed(0)} req/s.`,
  );
} finally {
  await service.stop();
}
