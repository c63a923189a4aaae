/**
 * Subscriptions, invoices and payment methods: mostly read here; they are made by the billing
 * engine (subscription create, hosted Checkout). Payment intents and charges have their own
 * modules (payment-intents.ts, charges.ts).
 */
import { z } from 'zod';
import { route, type ResourceModule } from '../context.ts';
import { invalidRequest, noSuch } from '../errors.ts';
import { listEnvelope, paginate, paginateInOrder, searchPage } from '../lists.ts';
import { arrayOf, bool, cursorParams, int, listParams, mergeMetadata, metadata, oneOf, str } from '../params.ts';
import { compileQuery, mustFind, mustFindParam, resolvePaymentMethod, searchParams } from './shared.ts';

const SUB_STATUSES = ['active', 'all', 'canceled', 'ended', 'incomplete', 'incomplete_expired', 'past_due', 'paused', 'trialing', 'unpaid'] as const;

const cancellationDetails = z
  .strictObject({
    comment: str(5000).optional(),
    feedback: z
      .union([
        z.literal(''),
        oneOf(['customer_service', 'low_quality', 'missing_features', 'other', 'switched_service', 'too_complex', 'too_expensive', 'unused']),
      ])
      .optional(),
  })
  .optional();

/** `cancellation_details[comment|feedback]`; an empty string unsets. */
function cancellationFields(d: { comment?: string; feedback?: string }): { comment?: string | null; feedback?: string | null } {
  const out: { comment?: string | null; feedback?: string | null } = {};
  if (d.comment !== undefined) out.comment = d.comment === '' ? null : d.comment;
  if (d.feedback !== undefined) out.feedback = d.feedback === '' ? null : d.feedback;
  return out;
}

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
    route(
      'POST',
      '/v1/subscriptions',
      {
        customer: str(),
        items: arrayOf(z.strictObject({ price: str(), quantity: int(1, 999999).optional(), metadata: metadata().optional() }), 20),
        metadata: metadata().optional(),
        default_payment_method: str().optional(),
        description: str(500).optional(),
        payment_behavior: oneOf(['allow_incomplete', 'default_incomplete', 'error_if_incomplete', 'pending_if_incomplete']).optional(),
      },
      ({ params: p, emu, request }) => {
        if (p.payment_behavior === 'pending_if_incomplete') {
          throw invalidRequest('The emulator does not support `payment_behavior=pending_if_incomplete`.', 'payment_behavior');
        }
        const customer = mustFindParam(emu, 'customer', p.customer, 'customer', 'customer');
        if (p.items.length === 0) throw invalidRequest('Missing required param: items.', 'items', 'parameter_missing');
        const items = p.items.map((it, i) => ({
          price: mustFindParam(emu, 'price', it.price, 'price', `items[${i}][price]`),
          quantity: it.quantity ?? 1,
          metadata: mergeMetadata({}, it.metadata),
        }));
        let pm = null;
        if (p.default_payment_method) {
          pm = emu.store.find('payment_method', p.default_payment_method);
          if (!pm || pm.customer !== customer.id) {
            throw invalidRequest(
              `The customer does not have a payment method with the ID ${p.default_payment_method}. The payment method must be attached to the customer.`,
              'default_payment_method',
            );
          }
        } else if (customer.invoice_settings.default_payment_method) {
          pm = emu.store.find('payment_method', customer.invoice_settings.default_payment_method) ?? null;
        }
        const result = emu.billing.createSubscription(
          {
            customer,
            items,
            metadata: mergeMetadata({}, p.metadata),
            paymentMethod: pm,
            paymentBehavior: p.payment_behavior as 'allow_incomplete' | 'default_incomplete' | 'error_if_incomplete' | undefined,
            setDefaultPaymentMethod: p.default_payment_method !== undefined,
            description: p.description ?? null,
          },
          request,
        );
        return result.subscription;
      },
    ),
    route(
      'GET',
      '/v1/subscriptions',
      { ...listParams, customer: str().optional(), price: str().optional(), status: oneOf(SUB_STATUSES).optional() },
      ({ params: p, emu }) => {
        const status = p.status;
        const all = emu.store.all('subscription').filter(
          (s) =>
            (p.customer === undefined || s.customer === p.customer) &&
            (p.price === undefined || s.items.data.some((si: { price: { id: string } }) => si.price.id === p.price)) &&
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
      'POST',
      '/v1/subscriptions/:id',
      {
        metadata: metadata().optional(),
        description: str(500).optional(),
        cancel_at_period_end: bool().optional(),
        default_payment_method: str().optional(),
        cancellation_details: cancellationDetails,
      },
      ({ params: p, path, emu, request }) => {
        const sub = mustFind(emu, 'subscription', path.id!, 'subscription');
        if (sub.status === 'canceled' && (p.cancel_at_period_end !== undefined || p.description !== undefined || p.default_payment_method !== undefined)) {
          throw invalidRequest('A canceled subscription can only update its cancellation_details and metadata.', undefined);
        }
        let dpm: string | null | undefined;
        if (p.default_payment_method !== undefined && p.default_payment_method !== '') {
          const pm = emu.store.find('payment_method', p.default_payment_method);
          if (!pm || pm.customer !== sub.customer) {
            throw invalidRequest(
              `The customer does not have a payment method with the ID ${p.default_payment_method}. The payment method must be attached to the customer.`,
              'default_payment_method',
            );
          }
          dpm = pm.id;
        } else if (p.default_payment_method === '') {
          dpm = null;
        }
        const before = structuredClone(sub);
        if (dpm !== undefined) sub.default_payment_method = dpm;
        if (p.cancellation_details) {
          sub.cancellation_details = { ...sub.cancellation_details, ...cancellationFields(p.cancellation_details) };
        }
        sub.metadata = mergeMetadata(sub.metadata, p.metadata);
        if (p.description !== undefined) sub.description = p.description === '' ? null : p.description;
        if (p.cancel_at_period_end !== undefined) {
          sub.cancel_at_period_end = p.cancel_at_period_end;
          sub.cancel_at = p.cancel_at_period_end ? Math.min(...sub.items.data.map((si: { current_period_end: number }) => si.current_period_end)) : null;
        }
        if (JSON.stringify(before) !== JSON.stringify(sub)) emu.events.emit('customer.subscription.updated', sub, request, before);
        return sub;
      },
    ),
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
        subscription: str().optional(),
        status: oneOf(['draft', 'open', 'paid', 'uncollectible', 'void']).optional(),
      },
      ({ params: p, emu }) =>
        paginate(
          emu.store
            .all('invoice')
            .filter(
              (i) =>
                (p.customer === undefined || i.customer === p.customer) &&
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
