/** What the app is built from, and what its route modules share. */
import type Stripe from 'stripe';
import type { Clock } from './clock.ts';
import type { Db } from './db.ts';
import type { FaultState } from './fault-state.ts';
import type { FaultName } from './faults.ts';
import type { Holds } from './holds.ts';

export interface AppDeps {
  db: Db;
  /** The app's clock (also the database's): `created` times and every response's Date header. */
  clock: Clock;
  stripe: Stripe;
  webhookSecret: () => string;
  publicUrl: () => string;
  adminToken: string;
  version: string;
  fault: FaultName | null;
  /** How long `webhook-timeout` holds a delivery before giving up on it. */
  webhookHoldMs: number;
  /** How long `upgrade-hang` holds an upgrade before failing it. */
  upgradeHoldMs: number;
  /** The app's webhook URL and the endpoint it registered for it (null when it was given a secret). */
  webhookEndpoint: () => { url: string; id: string | null };
}

export interface AppContext {
  deps: AppDeps;
  /** The fault in force: `deps.fault` at start, then whatever the admin API sets. */
  faults: FaultState;
  /** Requests a fault's hang is holding, released when the app closes. */
  holds: Holds;
}
