/** Amounts and currencies: how Stripe formats them in messages, and the smallest it charges. */

const ZERO_DECIMAL = ['jpy', 'krw', 'vnd', 'clp', 'isk', 'ugx', 'xaf', 'xof', 'bif', 'djf', 'gnf', 'kmf', 'mga', 'pyg', 'rwf', 'vuv', 'xpf'];

/** "$49.00" — as invoices, the hosted page and error messages show amounts. */
export function formatAmount(amount: number, currency: string): string {
  const value = ZERO_DECIMAL.includes(currency) ? amount : amount / 100;
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase() }).format(value);
}

/** The smallest amount Stripe charges per settlement currency, in the currency's smallest unit. */
const MINIMUM_CHARGE: Record<string, number> = {
  usd: 50,
  aed: 200,
  aud: 50,
  bgn: 100,
  brl: 50,
  cad: 50,
  chf: 50,
  czk: 1500,
  dkk: 250,
  eur: 50,
  gbp: 30,
  hkd: 400,
  huf: 17500,
  inr: 50,
  jpy: 50,
  mxn: 1000,
  myr: 200,
  nok: 300,
  nzd: 50,
  pln: 200,
  ron: 200,
  sek: 300,
  sgd: 50,
  thb: 1000,
};

/** The minimum charge for `currency`, or undefined where the emulator does not know it. */
export function minimumCharge(currency: string): number | undefined {
  return MINIMUM_CHARGE[currency];
}

/** A three-letter lowercase ISO currency code. */
export const CURRENCY = /^[a-z]{3}$/;
