/**
 * The Stripe emulator's API alone (`bench:emulator`'s benchmark): customer create and retrieve through the
 * SDK with 50 clients against an emulator in its own process pinned to one core (taskset -c 0;
 * the clients run on the others), paced at 2,000 req/s (aim: p50 ≤ 2 ms at ≥ 1,500 req/s), then
 * back to back for the most it serves. Each round starts a fresh emulator.
 */
import { pinned, startService } from '../lib/spawn-service.ts';
import { type Figure, figure } from './figure.ts';
import { drive, loadFigures, type LoadFigures } from './load.ts';
import type { Benchmark, BenchContext } from './suite.ts';

export interface EmulatorLoadOptions {
  rounds: number;
  seconds: number;
  clients: number;
  rate: number;
}

export async function measureEmulator(ctx: BenchContext, bench: string, o: EmulatorLoadOptions): Promise<Figure[]> {
  const isPinned = pinned(0, ['x']).length > 1;
  const paced: LoadFigures[] = [];
  const saturated: LoadFigures[] = [];
  const ops = ['create', 'retrieve'] as const;
  const saturatedMs = Math.min(o.seconds, 5) * 1000;
  for (let round = 1; round <= o.rounds; round++) {
    const service = await startService(['stripe-emulator', '--port', '0'], { cpu: 0 });
    try {
      ctx.progress(`round ${round}/${o.rounds}: warm-up, then paced at ${o.rate} req/s for ${o.seconds} s, then back to back`);
      await drive(service.url, { clients: o.clients, durationMs: 1500, rate: 0, operations: ops }); // JIT, sockets
      paced.push(loadFigures(await drive(service.url, { clients: o.clients, durationMs: o.seconds * 1000, rate: o.rate, operations: ops })));
      saturated.push(loadFigures(await drive(service.url, { clients: o.clients, durationMs: saturatedMs, rate: 0, operations: ops })));
      ctx.progress(`round ${round}/${o.rounds}: paced p50 ${paced.at(-1)!.p50.toFixed(2)} ms, saturated ${saturated.at(-1)!.rps.toFixed(0)} req/s`);
    } finally {
      await service.stop();
    }
  }
  const errors = [...paced, ...saturated].reduce((a, f) => a + f.errors, 0);
  const where = `${o.clients} clients, create+retrieve; emulator ${isPinned ? 'pinned to one core' : 'not pinned (no taskset)'}`;
  return [
    figure(
      bench,
      `paced ${o.rate} req/s: p50`,
      'ms',
      paced.map((f) => f.p50),
      { aim: { op: '<=', value: 2 }, note: where },
    ),
    figure(
      bench,
      `paced ${o.rate} req/s: p99`,
      'ms',
      paced.map((f) => f.p99),
    ),
    figure(
      bench,
      `paced ${o.rate} req/s: served`,
      'req/s',
      paced.map((f) => f.rps),
      { aim: { op: '>=', value: 1500 } },
    ),
    figure(
      bench,
      'back to back: served (the most)',
      'req/s',
      saturated.map((f) => f.rps),
      { note: `${errors} errors in all rounds` },
    ),
    figure(
      bench,
      'back to back: p50',
      'ms',
      saturated.map((f) => f.p50),
    ),
  ];
}

export const emulator: Benchmark = {
  name: 'emulator',
  title: "the Stripe emulator's API alone: paced 2,000 req/s and back to back, 50 clients",
  run: (ctx) => measureEmulator(ctx, 'emulator', { rounds: ctx.quick ? 1 : 3, seconds: ctx.quick ? 3 : 5, clients: 50, rate: 2000 }),
};
