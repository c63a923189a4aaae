/**
 * Subscriptions, invoices, invoice items and payment methods: read here, and subscriptions
 * canceled; they are created and updated by subscription-writes.ts through the engine
 * (subscriptions.ts), and by hosted Checkout. Payment intents and charges have their own modules
 * (payment-intents.ts, charges.ts).
 */
import { route, type ResourceModule } from '../context.ts';
import { invalidRequest, noSuch, noSuchParam } from '../errors.ts';
import { z } from 'zod';
import { inRange, listEnvelope, paginate, paginateInOrder, searchPage } from '../lists.ts';
import { bool, cursorParams, listParams, oneOf, rangeFilter, str } from '../params.ts';
import type { StripeObject } from '../store.ts';
import { compileQuery, mustFind, mustFindParam, resolvePaymentMethod, searchParams } from './shared.ts';
import { cancellationDetails, cancellationFields, subscriptionWriteRoutes } from './subscription-writes.ts';

const SUB_STATUSES = ['active', 'all', 'canceled', 'ended', 'incomplete', 'incomplete_expired', 'past_due', 'paused', 'trialing', 'unpaid'] as const;
const COLLECTION_METHODS = ['charge_automatically', 'send_invoice'] as const;

/** Period ends and starts of a subscription's items: Stripe filters on the earliest end and the latest start. */
const itemTimes = (s: StripeObject, key: 'current_period_end' | 'current_period_start'): number[] =>
  (s.items.data as StripeObject[]).map((si) => si[key] as number);

export const billingObjects: ResourceModule = {
  includables: {
    invoice: {
      payments: (inv, store) => {
        const payments = store.all('invoice_payment').filter((x) => x.invoice === inv.id);
        return listEnvelope(structuredClone(payments), false, `/v1/invoices/${inv.id}/payments`);
      },
    },
  },
  routes: [
    // Subscriptions
    ...subscriptionWriteRoutes,
    route(
      'GET',
      '/v1/subscriptions',
      {
        ...listParams,
        customer: str().optional(),
        // The emulator has no Accounts v2 customers: no subscription belongs to one, so the list is empty.
        customer_account: str().optional(),
        price: str().optional(),
        plan: str().optional(),
        status: oneOf(SUB_STATUSES).optional(),
        collection_method: oneOf(COLLECTION_METHODS).optional(),
        automatic_tax: z.strictObject({ enabled: bool() }).optional(),
        current_period_end: rangeFilter().optional(),
        current_period_start: rangeFilter().optional(),
        test_clock: str().optional(),
      },
      ({ params: p, emu }) => {
        const status = p.status;
        if (p.test_clock !== undefined && !emu.store.find('test_helpers.test_clock', p.test_clock)) {
          throw noSuchParam('test_clock', p.test_clock, 'test_clock');
        }
        const hasItem = (s: StripeObject, price: string | undefined) => price === undefined || s.items.data.some((si: StripeObject) => si.price.id === price);
        const all = emu.store.all('subscription').filter(
          (s) =>
            (p.customer === undefined || s.customer === p.customer) &&
            (p.customer_account === undefined || s.customer_account === p.customer_account) &&
            // A test clock's subscriptions are listed only by their clock or their customer, as on Stripe.
            (p.test_clock !== undefined ? s.test_clock === p.test_clock : p.customer !== undefined || s.test_clock === null) &&
            hasItem(s, p.price) &&
            // A price's id is its plan's id.
            hasItem(s, p.plan) &&
            (p.collection_method === undefined || s.collection_method === p.collection_method) &&
            (p.automatic_tax === undefined || s.automatic_tax.enabled === p.automatic_tax.enabled) &&
            inRange(Math.min(...itemTimes(s, 'current_period_end')), p.current_period_end) &&
            inRange(Math.max(...itemTimes(s, 'current_period_start')), p.current_period_start) &&
            // Without a status filter Stripe lists every subscription that is not canceled.
            (status === 'all' ||
              (status === undefined && s.status !== 'canceled') ||
              (status === 'ended' && ['canceled', 'incomplete_expired'].includes(s.status)) ||
              s.status === status),
        );
        return paginate(all, p, '/v1/subscriptions', 'subscription');
      },
    ),
    route('GET', '/v1/subscriptions/search', searchParams, ({ params: p, emu }) => {
      const matches = compileQuery(p.query, { created: 'number', status: 'string', metadata: 'metadata' });
      return searchPage(emu.store.all('subscription'), matches, p, '/v1/subscriptions/search');
    }),
    route('GET', '/v1/subscriptions/:id', {}, ({ path, emu }) => mustFind(emu, 'subscription', path.id!, 'subscription')),
    route(
      'DELETE',
      '/v1/subscriptions/:id',
      // invoice_now and prorate change nothing here: the emulator makes no prorations.
      { cancellation_details: cancellationDetails, invoice_now: bool().optional(), prorate: bool().optional() },
      ({ params: p, path, emu, request }) => {
        const sub = mustFind(emu, 'subscription', path.id!, 'subscription');
        if (sub.status === 'canceled' || sub.status === 'incomplete_expired') {
          // Stripe treats a canceled subscription as deleted here: 404, as for an unknown id.
          throw noSuch('subscription', sub.id);
        }
        emu.billing.cancelSubscription(sub, request, cancellationFields(p.cancellation_details ?? {}));
        return sub;
      },
    ),

    // Invoices
    route(
      'GET',
      '/v1/invoices',
      {
        ...listParams,
        customer: str().optional(),
        // No Accounts v2 customers in the emulator: no invoice is one's.
        customer_account: str().optional(),
        subscription: str().optional(),
        status: oneOf(['draft', 'open', 'paid', 'uncollectible', 'void']).optional(),
        collection_method: oneOf(COLLECTION_METHODS).optional(),
        // Only send_invoice invoices have a due date; others never match a range.
        due_date: rangeFilter().optional(),
      },
      ({ params: p, emu }) =>
        paginate(
          emu.store
            .all('invoice')
            .filter(
              (i) =>
                (p.customer === undefined || i.customer === p.customer) &&
                (p.customer_account === undefined || i.customer_account === p.customer_account) &&
                (p.collection_method === undefined || i.collection_method === p.collection_method) &&
                (p.due_date === undefined || (i.due_date !== null && inRange(i.due_date, p.due_date))) &&
                (p.subscription === undefined || i.parent?.subscription_details?.subscription === p.subscription) &&
                (p.status === undefined || i.status === p.status),
            ),
          p,
          '/v1/invoices',
          'invoice',
        ),
    ),
    route('GET', '/v1/invoices/:id', {}, ({ path, emu }) => mustFind(emu, 'invoice', path.id!, 'invoice')),
    route('GET', '/v1/invoices/:id/lines', cursorParams, ({ params: p, path, emu }) => {
      const inv = mustFind(emu, 'invoice', path.id!, 'invoice');
      return paginateInOrder(structuredClone(inv.lines.data), p, `/v1/invoices/${inv.id}/lines`, 'line item');
    }),

    // Invoice items: prorations and add_invoice_items waiting for the next invoice (pending), or on one.
    route(
      'GET',
      '/v1/invoiceitems',
      { ...listParams, customer: str().optional(), invoice: str().optional(), pending: bool().optional() },
      ({ params: p, emu }) =>
        paginate(
          emu.store
            .all('invoiceitem')
            .filter(
              (ii) =>
                (p.customer === undefined || ii.customer === p.customer) &&
                (p.invoice === undefined || ii.invoice === p.invoice) &&
                (p.pending === undefined || (ii.invoice === null) === p.pending),
            ),
          p,
          '/v1/invoiceitems',
          'invoiceitem',
        ),
    ),
    route('GET', '/v1/invoiceitems/:id', {}, ({ path, emu }) => mustFind(emu, 'invoiceitem', path.id!, 'invoiceitem')),

    // Payment methods
    route('GET', '/v1/payment_methods', { ...listParams, customer: str().optional(), type: oneOf(['card']).optional() }, ({ params: p, emu }) => {
      if (p.customer === undefined) {
        // Stripe lists only a customer's payment methods here.
        throw invalidRequest('Missing required param: customer.', 'customer', 'parameter_missing');
      }
      return paginate(
        emu.store.all('payment_method').filter((x) => x.customer === p.customer),
        p,
        '/v1/payment_methods',
        'payment_method',
      );
    }),
    route('GET', '/v1/payment_methods/:id', {}, ({ path, emu }) => mustFind(emu, 'payment_method', path.id!, 'payment_method')),
    route('POST', '/v1/payment_methods/:id/attach', { customer: str() }, ({ params: p, path, emu, request }) => {
      const customer = mustFindParam(emu, 'customer', p.customer, 'customer', 'customer');
      const pm = resolvePaymentMethod(emu, path.id!, 'payment_method');
      emu.billing.attach(pm, customer, request);
      return pm;
    }),
    route('POST', '/v1/payment_methods/:id/detach', {}, ({ path, emu, request }) => {
      const pm = mustFind(emu, 'payment_method', path.id!, 'payment_method');
      emu.billing.detach(pm, request);
      return pm;
    }),
  ],
};
