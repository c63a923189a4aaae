/**
 * The emulator's API side by side with a peer from npm that fakes the same calls,
 * stripe-stateful-mock: customers create, retrieve and list (the calls both serve; it has no
 * delete and no Checkout), 50 clients back to back through the same SDK code, p50, p99 and
 * requests per second, and the emulator's figures over the peer's as ratios taken in the same
 * round. Each round starts both afresh (the same empty store), pinned to the same core, and
 * drives one then the other, the order alternating between rounds, each after a short warm-up.
 */
import { pinned, type Service, startService } from '../lib/spawn-service.ts';
import { type Figure, figure, missing } from './figure.ts';
import { drive, loadFigures, OPERATIONS, type LoadFigures } from './load.ts';
import { installStatefulPeer, STATEFUL_PEER, STATELESS_PEERS_CHECKED, startStatefulPeer } from './peers.ts';
import type { Benchmark } from './suite.ts';

const BENCH = 'peers';
const CLIENTS = 50;

/** The emulator's figures over the peer's, round by round. */
const RATIOS: { what: string; pick: (f: LoadFigures) => number; note?: string }[] = [
  { what: 'requests/s', pick: (f) => f.rps, note: 'above 1: the emulator serves more' },
  { what: 'p50', pick: (f) => f.p50, note: 'below 1: the emulator answers sooner' },
  { what: 'p99', pick: (f) => f.p99 },
];

function figuresOf(who: string, runs: LoadFigures[], note?: string): Figure[] {
  const errors = runs.reduce((a, f) => a + f.errors, 0);
  return [
    figure(
      BENCH,
      `${who}: p50`,
      'ms',
      runs.map((f) => f.p50),
      { note: note ?? (errors ? `${errors} errors` : undefined) },
    ),
    figure(
      BENCH,
      `${who}: p99`,
      'ms',
      runs.map((f) => f.p99),
    ),
    figure(
      BENCH,
      `${who}: requests/s`,
      'req/s',
      runs.map((f) => f.rps),
    ),
  ];
}

export const emulatorVsPeers: Benchmark = {
  name: 'peers',
  title: `the emulator's API against ${STATEFUL_PEER.name} (customers create/retrieve/list, 50 clients), as ratios`,
  async run(ctx) {
    const rounds = ctx.quick ? 1 : 3;
    const seconds = ctx.quick ? 3 : 5;
    const load = { clients: CLIENTS, durationMs: seconds * 1000, rate: 0, operations: OPERATIONS };
    const where = `${CLIENTS} clients back to back, create/retrieve/list, ${seconds} s a round; servers pinned to one core${pinned(0, ['x']).length > 1 ? '' : ' (no taskset: not pinned)'}`;
    const peer = await installStatefulPeer(ctx.progress);
    const peerName = `${STATEFUL_PEER.name} ${STATEFUL_PEER.version}`;
    const ours: LoadFigures[] = [];
    const theirs: LoadFigures[] = [];
    let peerError: string | null = null;
    for (let round = 1; round <= rounds; round++) {
      const services: Service[] = [];
      try {
        const emulator = await startService(['stripe-emulator', '--port', '0'], { cpu: 0 });
        services.push(emulator);
        const other = peer.ok ? await startStatefulPeer(peer.cli, 0) : null;
        if (other) services.push(other);
        const order = [{ name: 'emulator', url: emulator.url, into: ours }, ...(other ? [{ name: peerName, url: other.url, into: theirs }] : [])];
        if (round % 2 === 0) order.reverse();
        for (const s of order) {
          ctx.progress(`round ${round}/${rounds}: ${s.name}: warm-up, then ${seconds} s of load`);
          await drive(s.url, { ...load, durationMs: 1000 });
          const result = await drive(s.url, load);
          if (s.into === theirs) peerError ??= result.firstError;
          s.into.push(loadFigures(result));
          ctx.progress(`round ${round}/${rounds}: ${s.name}: ${s.into.at(-1)!.rps.toFixed(0)} req/s, p50 ${s.into.at(-1)!.p50.toFixed(2)} ms`);
        }
      } finally {
        for (const s of services) await s.stop();
      }
    }
    const pairs = ours.map((o, i) => [o, theirs[i]] as const).filter((p): p is readonly [LoadFigures, LoadFigures] => p[1] !== undefined);
    const ratios = RATIOS.map((r) =>
      figure(
        BENCH,
        `emulator ÷ ${STATEFUL_PEER.name}: ${r.what}`,
        'x',
        pairs.map(([o, t]) => r.pick(o) / r.pick(t)),
        { note: r.note },
      ),
    );
    return [
      ...figuresOf('emulator', ours, where),
      ...(peer.ok
        ? [...figuresOf(peerName, theirs, peerError ? `errors, the first: ${peerError}` : undefined), ...ratios]
        : [missing(BENCH, `${peerName}: not measured`, 'count', peer.why)]),
      missing(
        BENCH,
        'emulator ÷ a stripe-mock-style stateless peer',
        'x',
        `no installable peer: ${STATELESS_PEERS_CHECKED.join(', ')} are not on npm (stripe/stripe-mock ships as a Go binary or Docker image)`,
      ),
    ];
  },
};
