/**
 * Test clocks (`/v1/test_helpers/test_clocks`): a frozen time that customers created on the clock
 * live on, advanced on request. Advancing runs the clock's subscriptions forward to the new time
 * (subscriptions.ts: renewals, trials that end, cancellations), each step dated by its own time.
 * The emulator advances synchronously: the answer is the clock as Stripe answers it (`advancing`,
 * with its target), and the clock is `ready` at the new time by the time anyone asks again.
 */
import type Stripe from 'stripe';
import { route, type Emulator, type ResourceModule } from '../context.ts';
import { invalidRequest, noSuchParam } from '../errors.ts';
import { randomToken } from '../ids.ts';
import { paginate } from '../lists.ts';
import { cursorParams, int, str } from '../params.ts';
import { advanceLimit, runSubscription } from '../subscriptions.ts';
import type { StripeObject } from '../store.ts';
import { deleteCustomer } from './customers.ts';
import { mustFind } from './shared.ts';

const CLOCK = 'test_helpers.test_clock';
/** Stripe deletes a test clock (and its objects) seven days after it is created. */
const LIFETIME = 7 * 86400;

export type TestClock = Stripe.TestHelpers.TestClock;

/** The stored clock, typed: the store keeps plain records, so the type is asserted at this boundary only. */
const findClock = (emu: Emulator, id: string): TestClock => mustFind(emu, CLOCK, id, 'test_clock') as TestClock;
const customersOf = (emu: Emulator, clock: TestClock): StripeObject[] => emu.store.all('customer').filter((c) => c.test_clock === clock.id);
const when = (unix: number): string => new Date(unix * 1000).toISOString();

export const testClocks: ResourceModule = {
  routes: [
    route(
      'POST',
      '/v1/test_helpers/test_clocks',
      { frozen_time: int(), name: str(300).optional(), customer: str().optional() },
      ({ params: p, emu, request }) => {
        const customer = p.customer === undefined ? undefined : emu.store.find('customer', p.customer);
        if (p.customer !== undefined && !customer) throw noSuchParam('customer', p.customer, 'customer');
        if (customer?.test_clock) {
          throw invalidRequest(`Customer ${customer.id} is already on test clock ${customer.test_clock}; a customer stays on its first clock.`, 'customer');
        }
        const created = emu.clock.now();
        const clock: TestClock = {
          id: `clock_${randomToken(24)}`,
          object: CLOCK,
          created,
          deletes_after: created + LIFETIME,
          frozen_time: p.frozen_time,
          livemode: false,
          name: p.name ?? null,
          status: 'ready',
          status_details: {},
        };
        emu.store.insert(clock);
        if (customer) customer.test_clock = clock.id;
        emu.events.emit('test_helpers.test_clock.created', clock, request);
        return clock;
      },
    ),

    route('GET', '/v1/test_helpers/test_clocks', cursorParams, ({ params: p, emu }) =>
      paginate(emu.store.all(CLOCK), p, '/v1/test_helpers/test_clocks', CLOCK),
    ),

    route('GET', '/v1/test_helpers/test_clocks/:id', {}, ({ path, emu }) => findClock(emu, path.id!)),

    // Deleting a clock deletes its customers, and with them their subscriptions (canceled).
    route('DELETE', '/v1/test_helpers/test_clocks/:id', {}, ({ path, emu, request }) => {
      const clock = findClock(emu, path.id!);
      emu.clock.at(clock.frozen_time, () => {
        for (const customer of customersOf(emu, clock)) deleteCustomer(emu, customer, request);
      });
      emu.events.emit('test_helpers.test_clock.deleted', clock, request);
      return emu.store.remove(clock.id);
    }),

    route('POST', '/v1/test_helpers/test_clocks/:id/advance', { frozen_time: int() }, ({ params: p, path, emu, request }) => {
      const clock = findClock(emu, path.id!);
      const from = clock.frozen_time;
      if (p.frozen_time <= from) {
        throw invalidRequest(
          `The frozen_time (${p.frozen_time}, ${when(p.frozen_time)}) must be after the test clock's current frozen_time (${from}, ${when(from)}).`,
          'frozen_time',
        );
      }
      const customers = customersOf(emu, clock);
      const limit = advanceLimit(emu, new Set(customers.map((c) => c.id)), from);
      if (p.frozen_time > limit) {
        throw invalidRequest(
          `A test clock cannot be advanced more than two intervals of its shortest subscription (or two years without one) at once: frozen_time may be at most ${limit} (${when(limit)}). Advance it in steps.`,
          'frozen_time',
        );
      }
      clock.status = 'advancing';
      clock.status_details = { advancing: { target_frozen_time: p.frozen_time } };
      emu.events.emit('test_helpers.test_clock.advancing', clock, request);
      const answer = structuredClone(clock);
      const ids = new Set(customers.map((c) => c.id));
      for (const sub of emu.store.all('subscription').filter((s) => ids.has(s.customer))) runSubscription(emu, sub, from, p.frozen_time, request);
      Object.assign(clock, { frozen_time: p.frozen_time, status: 'ready', status_details: {} } satisfies Partial<TestClock>);
      emu.events.emit('test_helpers.test_clock.ready', clock, request);
      return answer;
    }),
  ],
};
