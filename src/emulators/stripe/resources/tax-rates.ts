/**
 * Tax rates (`txr_…`): percentages an account defines itself (not Stripe Tax), named by a
 * subscription's `default_tax_rates` and its items' `tax_rates`. The invoices of such a
 * subscription carry the tax (subscriptions.ts): an exclusive rate is added to the total, an
 * inclusive one is taken out of the amount. `percentage` and `inclusive` cannot change once made.
 */
import type Stripe from 'stripe';
import type { z } from 'zod';
import { route, type Engine, type ResourceModule } from '../context.ts';
import { invalidRequest, noSuchParam } from '../errors.ts';
import { randomToken } from '../ids.ts';
import { paginate } from '../lists.ts';
import { bool, decimal, listParams, mergeMetadata, metadata, nonEmpty, oneOf, str } from '../params.ts';
import type { StripeObject } from '../store.ts';
import { mustFind } from './shared.ts';

export type TaxRate = Stripe.TaxRate;

// The stored rate, typed: the store keeps plain records, so the type is asserted at this boundary only.
const findTaxRate = (engine: Pick<Engine, 'store'>, id: string): TaxRate | undefined => engine.store.find('tax_rate', id) as TaxRate | undefined;
const mustFindTaxRate = (engine: Pick<Engine, 'store'>, id: string): TaxRate => mustFind(engine, 'tax_rate', id, 'tax_rate') as TaxRate;

const TAX_TYPES = [
  'admissions_tax',
  'amusement_tax',
  'attendance_tax',
  'communications_tax',
  'digital_excise_tax',
  'entertainment_tax',
  'get_fund',
  'gross_receipts_tax',
  'gst',
  'hospitality_tax',
  'hst',
  'igst',
  'jct',
  'lease_tax',
  'luxury_tax',
  'mass_transit_parking_tax',
  'nhil',
  'parking_tax',
  'pst',
  'qst',
  'resort_tax',
  'retail_delivery_fee',
  'rst',
  'sales_tax',
  'service_tax',
  'tourism_tax',
  'utility_users_tax',
  'vat',
] as const;

const COUNTRY = /^[A-Z]{2}$/;

const editable = {
  active: bool().optional(),
  country: str(2).optional(),
  description: str().optional(),
  jurisdiction: str(50).optional(),
  metadata: metadata().optional(),
  state: str(2).optional(),
  tax_type: oneOf(TAX_TYPES).optional(),
};

function checkCountry(country: string | undefined): void {
  if (country !== undefined && country !== '' && !COUNTRY.test(country)) {
    throw invalidRequest(`Invalid country: ${country}. Give a two-letter ISO 3166-1 code such as US or DE.`, 'country');
  }
}

/** Applies the fields create and update share; '' unsets a nullable one. */
function applyEditable(rate: TaxRate, p: z.output<z.ZodObject<typeof editable>>): void {
  if (p.active !== undefined) rate.active = p.active;
  for (const key of ['country', 'description', 'jurisdiction', 'state', 'tax_type'] as const) {
    if (p[key] !== undefined) rate[key] = p[key] === '' ? null : p[key];
  }
  rate.metadata = mergeMetadata(rate.metadata ?? {}, p.metadata);
}

/**
 * The tax rates a list of ids names, as full objects (subscriptions and invoices embed them), or
 * Stripe's 400 naming the entry. An archived rate (`active=false`) cannot be applied anew; one
 * already applied (`kept`) stays usable, as on Stripe.
 */
export function resolveTaxRates(engine: Pick<Engine, 'store'>, ids: string[], param: string, kept: readonly StripeObject[] = []): TaxRate[] {
  return ids.map((id, i) => {
    const rate = findTaxRate(engine, id);
    if (!rate) throw noSuchParam('tax rate', id, `${param}[${i}]`);
    if (!rate.active && !kept.some((k) => k.id === id)) {
      throw invalidRequest(`The tax rate ${id} is archived (active=false) and cannot be applied to anything new.`, `${param}[${i}]`);
    }
    return structuredClone(rate);
  });
}

export const taxRates: ResourceModule = {
  routes: [
    route('POST', '/v1/tax_rates', { ...editable, display_name: nonEmpty(50), inclusive: bool(), percentage: decimal() }, ({ params: p, emu, request }) => {
      if (p.percentage < 0 || p.percentage > 100) {
        throw invalidRequest(`Invalid percentage: ${p.percentage}. It must be between 0 and 100.`, 'percentage');
      }
      checkCountry(p.country);
      const rate: TaxRate = {
        active: true,
        country: null,
        created: emu.clock.now(),
        description: null,
        display_name: p.display_name,
        effective_percentage: null,
        flat_amount: null,
        id: `txr_${randomToken(24)}`,
        inclusive: p.inclusive,
        jurisdiction: null,
        jurisdiction_level: null,
        livemode: false,
        metadata: {},
        object: 'tax_rate',
        percentage: p.percentage,
        // Only rates made by Stripe Tax have a rate type.
        rate_type: null,
        state: null,
        tax_type: null,
      };
      applyEditable(rate, p);
      emu.store.insert(rate);
      emu.events.emit('tax_rate.created', rate, request);
      return rate;
    }),
    route('GET', '/v1/tax_rates', { ...listParams, active: bool().optional(), inclusive: bool().optional() }, ({ params: p, emu }) =>
      paginate(
        emu.store
          .all('tax_rate')
          .filter((r) => (p.active === undefined || r.active === p.active) && (p.inclusive === undefined || r.inclusive === p.inclusive)),
        p,
        '/v1/tax_rates',
        'tax_rate',
      ),
    ),
    route('GET', '/v1/tax_rates/:id', {}, ({ path, emu }) => mustFindTaxRate(emu, path.id!)),
    route('POST', '/v1/tax_rates/:id', { ...editable, display_name: nonEmpty(50).optional() }, ({ params: p, path, emu, request }) => {
      const rate = mustFindTaxRate(emu, path.id!);
      checkCountry(p.country);
      const before = structuredClone(rate);
      applyEditable(rate, p);
      if (p.display_name !== undefined) rate.display_name = p.display_name;
      if (JSON.stringify(before) !== JSON.stringify(rate)) emu.events.emit('tax_rate.updated', rate, request, before);
      return rate;
    }),
  ],
};
