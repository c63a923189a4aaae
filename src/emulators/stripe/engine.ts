/**
 * What the payment engine works with: the state, the clock and the event log. The resource
 * handlers get more (the Emulator, in context.ts); the engine's modules (billing.ts,
 * payments.ts) need only this, so they import nothing of the routes.
 */
import type { Clock } from './clock.ts';
import type { EventLog } from './events.ts';
import type { Store } from './store.ts';

export interface Engine {
  store: Store;
  clock: Clock;
  events: EventLog;
}
