import { route, type ResourceModule } from '../context.ts';
import { invalidRequest } from '../errors.ts';
import { paginate } from '../lists.ts';
import { formatAmount } from '../money.ts';
import { int, listParams, mergeMetadata, metadata, oneOf, str } from '../params.ts';
import { chargeToRefund, createRefund, type Refund, syncChargeRefunds, unrefundedAmount } from '../payments.ts';
import { mustFind } from './shared.ts';

const REASONS = ['duplicate', 'fraudulent', 'requested_by_customer'] as const;

export const refunds: ResourceModule = {
  routes: [
    route(
      'POST',
      '/v1/refunds',
      {
        charge: str().optional(),
        payment_intent: str().optional(),
        amount: int(1).optional(),
        reason: oneOf(REASONS).optional(),
        metadata: metadata().optional(),
      },
      ({ params: p, emu, request }) => {
        const charge = chargeToRefund(emu, p);
        const remaining = unrefundedAmount(charge);
        if (remaining <= 0) throw invalidRequest(`Charge ${charge.id} has already been refunded.`, undefined, 'charge_already_refunded');
        const amount = p.amount ?? remaining;
        if (amount > remaining) {
          const [what, left] = charge.amount_refunded > 0 ? ['unrefunded amount on charge', remaining] : ['charge amount', charge.amount];
          throw invalidRequest(
            `Refund amount (${formatAmount(amount, charge.currency)}) is greater than ${what} (${formatAmount(left, charge.currency)})`,
            'amount',
          );
        }
        return createRefund(emu, charge, { amount, reason: p.reason ?? null, metadata: mergeMetadata({}, p.metadata) }, request);
      },
    ),
    route('GET', '/v1/refunds', { ...listParams, charge: str().optional(), payment_intent: str().optional() }, ({ params: p, emu }) =>
      paginate(
        emu.store
          .all('refund')
          .filter((r) => (p.charge === undefined || r.charge === p.charge) && (p.payment_intent === undefined || r.payment_intent === p.payment_intent)),
        p,
        '/v1/refunds',
        'refund',
      ),
    ),
    route('GET', '/v1/refunds/:id', {}, ({ path, emu }) => mustFind(emu, 'refund', path.id!, 'refund')),
    route('POST', '/v1/refunds/:id', { metadata: metadata().optional() }, ({ params: p, path, emu, request }) => {
      const refund = mustFind(emu, 'refund', path.id!, 'refund') as Refund;
      const before = structuredClone(refund);
      refund.metadata = mergeMetadata(refund.metadata ?? {}, p.metadata);
      if (JSON.stringify(before) !== JSON.stringify(refund)) {
        const charge = typeof refund.charge === 'string' ? emu.store.find('charge', refund.charge) : undefined;
        if (charge) syncChargeRefunds(emu, charge);
        emu.events.emit('refund.updated', refund, request, before);
        // The older event for the same change, still sent for card refunds.
        if (charge) emu.events.emit('charge.refund.updated', refund, request, before);
      }
      return refund;
    }),
    route('POST', '/v1/refunds/:id/cancel', {}, ({ path, emu }) => {
      const refund = mustFind(emu, 'refund', path.id!, 'refund');
      throw invalidRequest(
        `Refund ${refund.id} cannot be canceled because it has a status of ${refund.status}. Only refunds with a status of requires_action can be canceled.`,
      );
    }),
  ],
};
