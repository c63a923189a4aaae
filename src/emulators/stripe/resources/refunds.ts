import { route, type Emulator, type ResourceModule } from '../context.ts';
import { invalidRequest, missingParam } from '../errors.ts';
import { paginate } from '../lists.ts';
import { CURRENCY, formatAmount } from '../money.ts';
import { bool, int, listParams, mergeMetadata, metadata, oneOf, str } from '../params.ts';
import { chargeToRefund, createRefund, type Refund, syncChargeRefunds, unrefundedAmount } from '../payments.ts';
import { findCharge } from './charges.ts';
import { checkEmail, mustFind, mustFindParam } from './shared.ts';

// `Refund` is the SDK's (Stripe.Refund); payments.ts declares it, beside newRefund, which builds every refund.
export type { Refund };

// The stored refund, typed: the store keeps plain records, so the type is asserted at this boundary only.
const mustFindRefund = (emu: Pick<Emulator, 'store'>, id: string): Refund => mustFind(emu, 'refund', id, 'refund') as Refund;

const REASONS = ['duplicate', 'fraudulent', 'requested_by_customer'] as const;

interface BalanceRefund {
  origin?: 'customer_balance';
  customer?: string;
  currency?: string;
  charge?: string;
  payment_intent?: string;
}

/**
 * A refund from a customer's cash balance (`origin=customer_balance`), checked as Stripe checks
 * it, then refused: cash balances are funded by bank transfers, which the emulator does not take,
 * so every customer's cash balance is empty.
 */
function refuseBalanceRefund(emu: Emulator, p: BalanceRefund): never {
  if (p.origin === undefined) {
    const param = p.customer !== undefined ? 'customer' : 'currency';
    throw invalidRequest(
      `\`${param}\` is only used for a refund from a customer's cash balance (\`origin=customer_balance\`); a refund of a payment names its \`charge\` or \`payment_intent\`.`,
      param,
    );
  }
  if (p.charge !== undefined || p.payment_intent !== undefined) {
    throw invalidRequest(
      `A refund with \`origin=customer_balance\` draws on the customer's cash balance, not a payment: remove \`${p.charge !== undefined ? 'charge' : 'payment_intent'}\`.`,
      'origin',
    );
  }
  if (p.customer === undefined) throw missingParam('customer');
  if (p.currency === undefined) throw missingParam('currency');
  const currency = p.currency.toLowerCase();
  if (!CURRENCY.test(currency)) throw invalidRequest(`Invalid currency: ${p.currency}`, 'currency');
  const customer = mustFindParam(emu, 'customer', p.customer, 'customer', 'customer');
  throw invalidRequest(
    `Customer ${customer.id} has no ${currency} cash balance to refund: cash balances are funded by bank transfers, which the emulator does not take. Refund the payment itself with \`charge\` or \`payment_intent\`.`,
    'origin',
  );
}

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
        origin: oneOf(['customer_balance']).optional(),
        customer: str().optional(),
        currency: str(3).optional(),
        // Only for payment methods that cannot refund by themselves (Konbini, PromptPay…); a card refunds to the card.
        instructions_email: str(800).optional(),
        // Stripe Connect: no charge here has an application fee or a transfer, so only `false` can be honoured.
        refund_application_fee: bool().optional(),
        reverse_transfer: bool().optional(),
      },
      ({ params: p, emu, request }) => {
        if (p.refund_application_fee) {
          throw invalidRequest(
            '`refund_application_fee` refunds the fee a Stripe Connect platform took from the charge, and the emulator has no Connect: no charge has an application fee. Remove it.',
            'refund_application_fee',
          );
        }
        if (p.reverse_transfer) {
          throw invalidRequest(
            '`reverse_transfer` reverses the transfer of a Stripe Connect destination charge, and the emulator has no Connect: no charge has a transfer. Remove it.',
            'reverse_transfer',
          );
        }
        checkEmail(p.instructions_email, 'instructions_email');
        if (p.origin !== undefined || p.customer !== undefined || p.currency !== undefined) refuseBalanceRefund(emu, p);
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
        (emu.store.all('refund') as Refund[]).filter(
          (r) => (p.charge === undefined || r.charge === p.charge) && (p.payment_intent === undefined || r.payment_intent === p.payment_intent),
        ),
        p,
        '/v1/refunds',
        'refund',
      ),
    ),
    route('GET', '/v1/refunds/:id', {}, ({ path, emu }) => mustFindRefund(emu, path.id!)),
    route('POST', '/v1/refunds/:id', { metadata: metadata().optional() }, ({ params: p, path, emu, request }) => {
      const refund = mustFindRefund(emu, path.id!);
      const before = structuredClone(refund);
      refund.metadata = mergeMetadata(refund.metadata ?? {}, p.metadata);
      if (JSON.stringify(before) !== JSON.stringify(refund)) {
        const charge = typeof refund.charge === 'string' ? findCharge(emu, refund.charge) : undefined;
        if (charge) syncChargeRefunds(emu, charge);
        emu.events.emit('refund.updated', refund, request, before);
        // The older event for the same change, still sent for card refunds.
        if (charge) emu.events.emit('charge.refund.updated', refund, request, before);
      }
      return refund;
    }),
    route('POST', '/v1/refunds/:id/cancel', {}, ({ path, emu }) => {
      const refund = mustFindRefund(emu, path.id!);
      throw invalidRequest(
        `Refund ${refund.id} cannot be canceled because it has a status of ${refund.status}. Only refunds with a status of requires_action can be canceled.`,
      );
    }),
  ],
};
