import type { z } from 'zod';
import type { Billing } from './billing.ts';
import type { Clock } from './clock.ts';
import type { Engine } from './engine.ts';
import type { EventLog, RequestInfo } from './events.ts';
import type { Includables } from './expand.ts';
import type { Store, StripeObject } from './store.ts';

/** What every resource handler works with: the state, the clock, events and the billing engine. */
export interface Emulator {
  store: Store;
  clock: Clock;
  events: EventLog;
  billing: Billing;
  /** The emulator's own base URL (for hosted page links), e.g. http://127.0.0.1:12111 */
  baseUrl(): string;
}

/**
 * What the payment functions shared by the API, the hosted page and the billing engine need:
 * the state, the clock and events (the billing engine passes its own).
 */
export type { Engine };

export interface HandlerInput<P> {
  params: P;
  path: Record<string, string>;
  request: RequestInfo;
  emu: Emulator;
}

export type HandlerResult = StripeObject | { status: number; body: StripeObject };

export interface ApiRoute {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  /** The endpoint's own parameters; `expand` is added to every endpoint. */
  params: z.ZodRawShape;
  handler: (input: HandlerInput<any>) => HandlerResult;
}

/** Declares an endpoint; the typed params come from the zod shape. */
export function route<S extends z.ZodRawShape>(
  method: ApiRoute['method'],
  url: string,
  params: S,
  handler: (input: HandlerInput<z.output<z.ZodObject<S>>>) => HandlerResult,
): ApiRoute {
  return { method, url, params, handler };
}

export interface ResourceModule {
  routes: ApiRoute[];
  includables?: Includables;
}
