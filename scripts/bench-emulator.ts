/**
 * Benchmark of the Stripe emulator's API: customer create and retrieve through the
 * official SDK with 50 concurrent clients, the emulator in its own process pinned to one core;
 * paced at 2,000 req/s (p50, p99, requests served), then back to back. `npm run bench` runs the
 * same module, and compares the emulator with a peer from npm.
 *
 *   npm run bench:emulator [-- --seconds 10 --clients 50 --rate 2000 --rounds 1]
 */
import { measureEmulator } from './bench/emulator.ts';
import { countFlags } from './bench/flags.ts';
import { runSuite } from './bench/suite.ts';

const o = countFlags({ seconds: 10, clients: 50, rate: 2000, rounds: 1 });
const { ok } = await runSuite([{ name: 'emulator', title: "the Stripe emulator's API", run: (ctx) => measureEmulator(ctx, 'emulator', o) }], {
  title: 'Stripe emulator benchmark (npm run bench:emulator)',
  quick: false,
});
process.exit(ok ? 0 : 1);
