/**
 * What paying an invoice's payment intent does to the invoice and its subscription. The payment
 * engine (payments.ts) calls it after every confirmation, so an invoice is paid however its
 * intent is confirmed: by the billing engine, the hosted page, or `POST
 * /v1/payment_intents/:id/confirm` (a `default_incomplete` subscription's first payment). It
 * imports nothing of the payment engine, which imports it.
 */
import type { PaymentOutcome } from './cards.ts';
import type { Engine } from './engine.ts';
import type { RequestInfo } from './events.ts';
import type { StripeObject } from './store.ts';

/** The invoice payment (and its invoice) that `pi` pays, if it pays one. */
export function invoicePaymentOf(engine: Pick<Engine, 'store'>, piId: string): StripeObject | undefined {
  // Invoice payments are few next to other objects; newest first finds a fresh one at once.
  const all = engine.store.all('invoice_payment');
  for (let i = all.length - 1; i >= 0; i--) if (all[i]!.payment?.payment_intent === piId) return all[i];
  return undefined;
}

/** Marks an invoice paid (with `amount`), and its payment record with it; emits invoice.paid and invoice.payment_succeeded. */
export function markPaid(engine: Engine, invoice: StripeObject, payment: StripeObject | undefined, request: RequestInfo): void {
  const now = engine.clock.now();
  invoice.amount_paid = invoice.amount_due;
  invoice.amount_remaining = 0;
  invoice.status = 'paid';
  invoice.status_transitions.paid_at = now;
  if (payment) {
    payment.status = 'paid';
    payment.amount_paid = invoice.amount_due;
    payment.status_transitions.paid_at = now;
  }
  engine.events.emit('invoice.paid', invoice, request);
  engine.events.emit('invoice.payment_succeeded', invoice, request);
}

/**
 * Records an attempt to pay the invoice `pi` belongs to: paid (its subscription, if incomplete or
 * past due, becomes active), failed, or waiting for 3D Secure. Nothing for an intent of no invoice.
 */
export function settleInvoiceOf(engine: Engine, pi: StripeObject, outcome: PaymentOutcome, request: RequestInfo): void {
  const payment = invoicePaymentOf(engine, pi.id);
  const invoice = payment && engine.store.find('invoice', payment.invoice);
  if (!payment || !invoice || invoice.status !== 'open') return;
  invoice.attempt_count += 1;
  invoice.attempted = true;
  const sub = engine.store.find('subscription', invoice.parent?.subscription_details?.subscription ?? '');
  if (outcome.status === 'succeeded') {
    markPaid(engine, invoice, payment, request);
    if (sub && (sub.status === 'incomplete' || sub.status === 'past_due' || sub.status === 'unpaid')) {
      const before = structuredClone(sub);
      sub.status = 'active';
      if (sub.payment_settings?.save_default_payment_method === 'on_subscription' && pi.payment_method) sub.default_payment_method = pi.payment_method;
      engine.events.emit('customer.subscription.updated', sub, request, before);
    }
  } else if (outcome.status === 'declined') {
    invoice.next_payment_attempt = null;
    engine.events.emit('invoice.payment_failed', invoice, request);
    // A renewal or an invoiced update that fails leaves the subscription past due; a first invoice, incomplete.
    if (sub && sub.status === 'active' && invoice.billing_reason !== 'subscription_create') {
      const before = structuredClone(sub);
      sub.status = 'past_due';
      engine.events.emit('customer.subscription.updated', sub, request, before);
    }
  } else {
    engine.events.emit('invoice.payment_action_required', invoice, request);
  }
}
