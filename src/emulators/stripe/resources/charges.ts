/**
 * Charges: made by confirming a payment intent (never created directly here), read through the
 * API, captured and refunded through their payment intent and refunds.
 */
import type Stripe from 'stripe';
import { route, type Engine, type ResourceModule } from '../context.ts';
import { paginate } from '../lists.ts';
import { listParams, str } from '../params.ts';
import { mustFind } from './shared.ts';

/**
 * The SDK's charge, but its card details lack `electronic_commerce_indicator`: payments.ts builds
 * charges from objects.ts's template (Stripe's example object), which predates the field that
 * stripe-node 23 types on every card charge.
 */
export type Charge = Omit<Stripe.Charge, 'payment_method_details'> & {
  payment_method_details:
    | (Omit<Stripe.Charge.PaymentMethodDetails, 'card'> & { card?: Omit<Stripe.Charge.PaymentMethodDetails.Card, 'electronic_commerce_indicator'> })
    | null;
};

// The stored charge, typed: the store keeps plain records, so the type is asserted at this boundary only.
export const findCharge = (engine: Pick<Engine, 'store'>, id: string): Charge | undefined => engine.store.find('charge', id) as Charge | undefined;
const mustFindCharge = (engine: Pick<Engine, 'store'>, id: string): Charge => mustFind(engine, 'charge', id, 'charge') as Charge;

export const charges: ResourceModule = {
  routes: [
    route('GET', '/v1/charges', { ...listParams, customer: str().optional(), payment_intent: str().optional() }, ({ params: p, emu }) =>
      paginate(
        (emu.store.all('charge') as Charge[]).filter(
          (x) => (p.customer === undefined || x.customer === p.customer) && (p.payment_intent === undefined || x.payment_intent === p.payment_intent),
        ),
        p,
        '/v1/charges',
        'charge',
      ),
    ),
    route('GET', '/v1/charges/:id', {}, ({ path, emu }) => mustFindCharge(emu, path.id!)),
  ],
};
