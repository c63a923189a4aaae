import { isIP } from 'node:net';
import { z } from 'zod';
import { TEST_PAYMENT_METHODS } from '../cards.ts';
import { route, type Emulator, type ResourceModule } from '../context.ts';
import { cardError, noSuch, noSuchParam, invalidRequest } from '../errors.ts';
import { paginate, searchPage } from '../lists.ts';
import { arrayOf, bool, int, listParams, mergeMetadata, metadata, nonEmpty, oneOf, str } from '../params.ts';
import type { RequestInfo } from '../events.ts';
import type { Store, StripeObject } from '../store.ts';
import { emptyable } from './price-data.ts';
import { addressParam, checkEmail, compileQuery, mustFind, resolvePaymentMethod, searchParams, toAddress } from './shared.ts';
import { createTaxId, taxIdDataParam, taxIdsOf } from './tax-ids.ts';

const taxParam = (locations: readonly [string, ...string[]]) =>
  z.strictObject({ ip_address: emptyable(str(45)).optional(), validate_location: oneOf(locations).optional() }).optional();

const fields = {
  email: str(512).optional(),
  name: str(256).optional(),
  phone: str(20).optional(),
  description: str(350).optional(),
  metadata: metadata().optional(),
  address: addressParam().optional(),
  preferred_locales: arrayOf(str(20), 10).optional(),
  invoice_settings: z.strictObject({ default_payment_method: str().optional() }).optional(),
  balance: int().optional(),
  business_name: emptyable(str(150)).optional(),
  individual_name: emptyable(str(150)).optional(),
  cash_balance: z
    .strictObject({ settings: z.strictObject({ reconciliation_mode: oneOf(['automatic', 'manual', 'merchant_default']).optional() }).optional() })
    .optional(),
  invoice_prefix: str().optional(),
  next_invoice_sequence: int(1, 999999999).optional(),
  shipping: emptyable(z.strictObject({ address: addressParam().options[1], name: nonEmpty(), phone: str(20).optional() })).optional(),
  source: str().optional(),
  tax_exempt: z.union([z.literal(''), oneOf(['none', 'exempt', 'reverse'])], { error: 'Invalid {param}: must be one of none, exempt, or reverse' }).optional(),
  validate: bool().optional(),
};

const createParams = {
  ...fields,
  payment_method: str().optional(),
  tax: taxParam(['deferred', 'immediately']),
  tax_id_data: arrayOf(taxIdDataParam(), 25).optional(),
  test_clock: str().optional(),
};

const updateParams = { ...fields, default_source: str().optional(), tax: taxParam(['auto', 'deferred', 'immediately']) };

/** Subscriptions that deleting the customer must cancel. */
const CANCELLABLE = new Set(['active', 'trialing', 'past_due', 'unpaid', 'incomplete', 'paused']);

/** Stripe's test card tokens (`tok_visa`, `tok_chargeDeclined`, …), each standing for the card of its `pm_card_…` twin. */
const TEST_TOKENS = new Map(Object.keys(TEST_PAYMENT_METHODS).map((pm) => [pm.replace(/^pm_card_/, 'tok_'), pm]));

/** What a customer keeps beside it (Store.extras): Stripe returns `cash_balance` and `tax` only when expanded. */
interface CustomerExtras {
  reconciliation_mode?: 'automatic' | 'manual' | 'merchant_default';
  ip_address?: string | null;
}

function extrasOf(store: Store, id: string): CustomerExtras {
  return (store.extras.get(id) as CustomerExtras | undefined) ?? {};
}

/** A US address needs a postal code to locate the customer for tax; elsewhere the country is enough. */
function taxLocation(customer: StripeObject): StripeObject | null {
  const a = customer.address;
  if (!a?.country || (a.country === 'US' && !a.postal_code)) return null;
  return { country: a.country, source: 'billing_address', state: a.state ?? null };
}

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

/**
 * `source`: a test token becomes a new card (a card payment method here: the emulator has no
 * separate Sources objects). A card that always declines fails as attaching it would, before
 * anything changes.
 */
function sourceCard(emu: Emulator, token: string | undefined): StripeObject | undefined {
  if (token === undefined) return undefined;
  const pmName = TEST_TOKENS.get(token);
  if (!pmName) throw noSuchParam('token', token, 'source');
  const pm = resolvePaymentMethod(emu, pmName, 'source');
  const behaviour = emu.billing.behaviourOf(pm);
  if (behaviour.kind === 'declines') throw cardError(behaviour.decline, 'source');
  return pm;
}

type Fields = z.output<z.ZodObject<typeof fields>> & { tax?: { ip_address?: string; validate_location?: string } };

/** Checks what the customer's own fields cannot hold, before anything changes. */
function checkFields(p: Fields, current: StripeObject | null): void {
  checkEmail(p.email);
  // `validate_location=immediately` refuses a customer whose location cannot be told from what it would hold.
  if (p.tax?.validate_location === 'immediately' && !taxLocation({ address: toAddress(p.address, current?.address ?? null) })) {
    throw invalidRequest(
      "The customer's tax location could not be determined: give `address[country]` (and `address[postal_code]` for a US address), or leave out `tax[validate_location]=immediately`.",
      'tax[validate_location]',
      'customer_tax_location_invalid',
    );
  }
  if (p.invoice_prefix !== undefined && !/^[A-Z0-9]{1,12}$/.test(p.invoice_prefix)) {
    throw invalidRequest(`Invalid invoice_prefix: ${p.invoice_prefix}. It must be 1–12 uppercase letters or numbers.`, 'invoice_prefix');
  }
  if (p.tax?.ip_address && !isIP(p.tax.ip_address)) throw invalidRequest(`Invalid IP address: ${p.tax.ip_address}`, 'tax[ip_address]');
}

function applyFields(emu: Emulator, customer: StripeObject, p: Fields): void {
  for (const key of ['email', 'name', 'phone', 'description'] as const) {
    if (p[key] !== undefined) customer[key] = p[key] === '' ? null : p[key];
  }
  // Names Stripe leaves out of the customer until they are set.
  for (const key of ['business_name', 'individual_name'] as const) {
    if (p[key] === '') delete customer[key];
    else if (p[key] !== undefined) customer[key] = p[key];
  }
  if (p.preferred_locales !== undefined) customer.preferred_locales = p.preferred_locales;
  if (p.balance !== undefined) customer.balance = p.balance;
  if (p.invoice_prefix !== undefined) customer.invoice_prefix = p.invoice_prefix;
  if (p.next_invoice_sequence !== undefined) customer.next_invoice_sequence = p.next_invoice_sequence;
  if (p.tax_exempt !== undefined) customer.tax_exempt = p.tax_exempt || 'none';
  if (p.shipping !== undefined) {
    customer.shipping = p.shipping === '' ? null : { address: toAddress(p.shipping.address, null), name: p.shipping.name, phone: p.shipping.phone || null };
  }
  customer.address = toAddress(p.address, customer.address);
  customer.metadata = mergeMetadata(customer.metadata, p.metadata);
  const extras = extrasOf(emu.store, customer.id);
  const next: CustomerExtras = { ...extras };
  if (p.cash_balance?.settings?.reconciliation_mode) next.reconciliation_mode = p.cash_balance.settings.reconciliation_mode;
  if (p.tax?.ip_address !== undefined) next.ip_address = p.tax.ip_address || null;
  if (next.reconciliation_mode !== extras.reconciliation_mode || next.ip_address !== extras.ip_address) emu.store.extras.set(customer.id, next as StripeObject);
}

/** `test_clock` on create and list: the clock must exist (resources/test-clocks.ts). */
function testClock(emu: Emulator, id: string | undefined): StripeObject | undefined {
  if (id === undefined) return undefined;
  const clock = emu.store.find('test_helpers.test_clock', id);
  if (!clock) throw noSuchParam('test_clock', id, 'test_clock');
  return clock;
}

type CreateParams = z.output<z.ZodObject<typeof createParams>>;

function createCustomer(emu: Emulator, p: CreateParams, clock: StripeObject | undefined, request: RequestInfo): StripeObject {
  const customer = emu.billing.newCustomer();
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
  const card = sourceCard(emu, p.source);
  applyFields(emu, customer, p);
  if (clock) customer.test_clock = clock.id;
  if (card) customer.default_source = card.id;
  emu.store.insert(customer);
  const taxIds = (p.tax_id_data ?? []).map((data) => createTaxId(emu, customer.id, data));
  emu.events.emit('customer.created', customer, request);
  for (const taxId of taxIds) emu.events.emit('customer.tax_id.created', taxId, request);
  if (pm) emu.billing.attach(pm, customer, request);
  if (card) emu.billing.attach(card, customer, request);
  return customer;
}

export function deleteCustomer(emu: Emulator, customer: StripeObject, request: RequestInfo): StripeObject {
  for (const sub of emu.store.all('subscription')) {
    if (sub.customer === customer.id && CANCELLABLE.has(sub.status)) emu.billing.cancelSubscription(sub, request);
  }
  // Its tax ids go with it.
  for (const taxId of emu.store.all('tax_id').filter((t) => t.customer === customer.id)) emu.store.remove(taxId.id);
  emu.store.extras.delete(customer.id);
  emu.events.emit('customer.deleted', customer, request);
  return emu.store.remove(customer.id);
}

export const customers: ResourceModule = {
  includables: {
    customer: {
      tax_ids: (customer, store) => taxIdsOf(store, customer),
      tax: (customer, store) => {
        const location = taxLocation(customer);
        // The emulator computes no tax; a located customer is one Stripe Tax could tax.
        return {
          automatic_tax: location ? 'supported' : 'unrecognized_location',
          ip_address: extrasOf(store, customer.id).ip_address ?? null,
          location,
          provider: 'stripe',
        };
      },
      cash_balance: (customer, store) => {
        const mode = extrasOf(store, customer.id).reconciliation_mode;
        if (!mode) return null;
        return {
          object: 'cash_balance',
          available: null,
          customer: customer.id,
          livemode: false,
          settings: { reconciliation_mode: mode === 'merchant_default' ? 'automatic' : mode, using_merchant_default: mode === 'merchant_default' },
          customer_account: null,
        };
      },
    },
  },
  routes: [
    route('POST', '/v1/customers', createParams, ({ params: p, emu, request }) => {
      checkFields(p, null);
      const clock = testClock(emu, p.test_clock);
      // A test clock's customer lives on the clock's time: it is created at its frozen time.
      const create = () => createCustomer(emu, p, clock, request);
      return clock ? emu.clock.at(clock.frozen_time, create) : create();
    }),

    // Without `test_clock`, customers of test clocks are left out, as on Stripe.
    route('GET', '/v1/customers', { ...listParams, email: str(512).optional(), test_clock: str().optional() }, ({ params: p, emu }) => {
      const clock = testClock(emu, p.test_clock)?.id ?? null;
      const all = emu.store.all('customer').filter((c) => (p.email === undefined || c.email === p.email) && (c.test_clock ?? null) === clock);
      return paginate(all, p, '/v1/customers', 'customer');
    }),

    route('GET', '/v1/customers/search', searchParams, ({ params: p, emu }) => {
      const matches = compileQuery(p.query, { created: 'number', email: 'string', name: 'string', phone: 'string', metadata: 'metadata' });
      return searchPage(emu.store.all('customer'), matches, p, '/v1/customers/search');
    }),

    route('GET', '/v1/customers/:id', {}, ({ path, emu }) => retrieve(emu, path.id!)),

    route('POST', '/v1/customers/:id', updateParams, ({ params: p, path, emu, request }) => {
      const customer = live(emu, path.id!);
      checkFields(p, customer);
      const dpm = defaultPaymentMethod(emu, customer, p.invoice_settings?.default_payment_method);
      let defaultSource: StripeObject | undefined;
      if (p.default_source !== undefined) {
        defaultSource = emu.store.find('payment_method', p.default_source);
        if (!defaultSource || defaultSource.customer !== customer.id) throw noSuchParam('source', p.default_source, 'default_source');
      }
      const card = sourceCard(emu, p.source);
      const before = structuredClone(customer);
      applyFields(emu, customer, p);
      if (dpm !== undefined) customer.invoice_settings.default_payment_method = dpm;
      if (defaultSource) customer.default_source = defaultSource.id;
      if (card) {
        // A new `source` replaces the default source, which Stripe deletes.
        const old = customer.default_source ? emu.store.find('payment_method', customer.default_source) : undefined;
        emu.billing.attach(card, customer, request);
        if (old && old.customer === customer.id) emu.billing.detach(old, request);
        customer.default_source = card.id;
      }
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
