import { z } from 'zod';
import { route, type Emulator, type ResourceModule } from '../context.ts';
import { noSuch, invalidRequest } from '../errors.ts';
import { paginate, searchPage } from '../lists.ts';
import { arrayOf, listParams, mergeMetadata, metadata, oneOf, str } from '../params.ts';
import type { RequestInfo } from '../events.ts';
import type { StripeObject } from '../store.ts';
import { addressParam, checkEmail, compileQuery, mustFind, resolvePaymentMethod, searchParams, toAddress } from './shared.ts';

const fields = {
  email: str(512).optional(),
  name: str(256).optional(),
  phone: str(20).optional(),
  description: str(350).optional(),
  metadata: metadata().optional(),
  address: addressParam().optional(),
  preferred_locales: arrayOf(str(20), 10).optional(),
  invoice_settings: z.strictObject({ default_payment_method: str().optional() }).optional(),
};

/** Subscriptions that deleting the customer must cancel. */
const CANCELLABLE = new Set(['active', 'trialing', 'past_due', 'unpaid', 'incomplete', 'paused']);

function retrieve(emu: Emulator, id: string): StripeObject {
  return emu.store.find('customer', id) ?? noSuchDeleted(emu, id);
}

function noSuchDeleted(emu: Emulator, id: string): StripeObject {
  const stub = emu.store.deletedStub(id);
  if (stub?.object === 'customer') return stub;
  throw noSuch('customer', id);
}

function live(emu: Emulator, id: string): StripeObject {
  return mustFind(emu, 'customer', id, 'customer');
}

/** Resolves `invoice_settings[default_payment_method]`: it must be attached to this customer. */
function defaultPaymentMethod(emu: Emulator, customer: StripeObject, id: string | undefined): string | null | undefined {
  if (id === undefined) return undefined;
  if (id === '') return null;
  const pm = emu.store.find('payment_method', id);
  if (!pm || pm.customer !== customer.id) {
    throw invalidRequest(
      `No such PaymentMethod: '${id}'; It's possible this PaymentMethod exists on one of your connected accounts, in which case you should retry this request on that connected account.`,
      'invoice_settings[default_payment_method]',
      'resource_missing',
    );
  }
  return pm.id;
}

type Fields = z.output<z.ZodObject<typeof fields>>;

function applyFields(customer: StripeObject, p: Fields): void {
  for (const key of ['email', 'name', 'phone', 'description'] as const) {
    if (p[key] !== undefined) customer[key] = p[key] === '' ? null : p[key];
  }
  if (p.preferred_locales !== undefined) customer.preferred_locales = p.preferred_locales;
  customer.address = toAddress(p.address, customer.address);
  customer.metadata = mergeMetadata(customer.metadata, p.metadata);
}

export function deleteCustomer(emu: Emulator, customer: StripeObject, request: RequestInfo): StripeObject {
  for (const sub of emu.store.all('subscription')) {
    if (sub.customer === customer.id && CANCELLABLE.has(sub.status)) emu.billing.cancelSubscription(sub, request);
  }
  emu.events.emit('customer.deleted', customer, request);
  return emu.store.remove(customer.id);
}

export const customers: ResourceModule = {
  routes: [
    route('POST', '/v1/customers', { ...fields, payment_method: str().optional() }, ({ params: p, emu, request }) => {
      checkEmail(p.email);
      const customer = emu.billing.newCustomer();
      applyFields(customer, p);
      const pm = p.payment_method ? resolvePaymentMethod(emu, p.payment_method, 'payment_method') : null;
      if (pm?.customer) {
        throw invalidRequest('The payment method you provided has already been attached to a customer.', 'payment_method');
      }
      if (p.invoice_settings?.default_payment_method !== undefined) {
        const wanted = p.invoice_settings.default_payment_method;
        if (wanted !== '' && wanted !== p.payment_method && wanted !== pm?.id) {
          throw invalidRequest(`No such PaymentMethod: '${wanted}'`, 'invoice_settings[default_payment_method]', 'resource_missing');
        }
        customer.invoice_settings.default_payment_method = wanted === '' ? null : pm!.id;
      }
      if (pm && emu.billing.behaviourOf(pm).kind === 'declines') {
        emu.billing.attach(pm, customer, request); // throws the card error before anything is stored
      }
      emu.store.insert(customer);
      emu.events.emit('customer.created', customer, request);
      if (pm) emu.billing.attach(pm, customer, request);
      return customer;
    }),

    route('GET', '/v1/customers', { ...listParams, email: str(512).optional() }, ({ params: p, emu }) => {
      const all = emu.store.all('customer').filter((c) => p.email === undefined || c.email === p.email);
      return paginate(all, p, '/v1/customers', 'customer');
    }),

    route('GET', '/v1/customers/search', searchParams, ({ params: p, emu }) => {
      const matches = compileQuery(p.query, { created: 'number', email: 'string', name: 'string', phone: 'string', metadata: 'metadata' });
      return searchPage(emu.store.all('customer'), matches, p, '/v1/customers/search');
    }),

    route('GET', '/v1/customers/:id', {}, ({ path, emu }) => retrieve(emu, path.id!)),

    route('POST', '/v1/customers/:id', fields, ({ params: p, path, emu, request }) => {
      checkEmail(p.email);
      const customer = live(emu, path.id!);
      const dpm = defaultPaymentMethod(emu, customer, p.invoice_settings?.default_payment_method);
      const before = structuredClone(customer);
      applyFields(customer, p);
      if (dpm !== undefined) customer.invoice_settings.default_payment_method = dpm;
      if (JSON.stringify(before) !== JSON.stringify(customer)) emu.events.emit('customer.updated', customer, request, before);
      return customer;
    }),

    route('DELETE', '/v1/customers/:id', {}, ({ path, emu, request }) => deleteCustomer(emu, live(emu, path.id!), request)),

    route('GET', '/v1/customers/:id/payment_methods', { ...listParams, type: oneOf(['card']).optional() }, ({ params: p, path, emu }) => {
      const customer = live(emu, path.id!);
      const pms = emu.store.all('payment_method').filter((pm) => pm.customer === customer.id);
      return paginate(pms, p, `/v1/customers/${customer.id}/payment_methods`, 'payment_method');
    }),
  ],
};
