/**
 * Charges: made by confirming a payment intent (never created directly here), read through the
 * API, captured and refunded through their payment intent and refunds.
 */
import { route, type ResourceModule } from '../context.ts';
import { paginate } from '../lists.ts';
import { listParams, str } from '../params.ts';
import { mustFind } from './shared.ts';

export const charges: ResourceModule = {
  routes: [
    route('GET', '/v1/charges', { ...listParams, customer: str().optional(), payment_intent: str().optional() }, ({ params: p, emu }) =>
      paginate(
        emu.store
          .all('charge')
          .filter((x) => (p.customer === undefined || x.customer === p.customer) && (p.payment_intent === undefined || x.payment_intent === p.payment_intent)),
        p,
        '/v1/charges',
        'charge',
      ),
    ),
    route('GET', '/v1/charges/:id', {}, ({ path, emu }) => mustFind(emu, 'charge', path.id!, 'charge')),
  ],
};
