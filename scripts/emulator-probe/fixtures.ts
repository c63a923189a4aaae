/**
 * The objects the probe's requests name, made first through the API itself: a customer with a
 * test card as its default payment method, a product with a monthly price (and a second one to
 * change plan to, and a one-time price), a subscription paid with the card (so an invoice, a
 * payment intent and a charge), an event, and where the server has the routes, a coupon, a
 * promotion code, a test clock, a tax rate, a portal and a payment method configuration. One the
 * server cannot make is noted and replaced by a
 * placeholder id, so the probe still runs and the requests naming it show the refusal.
 */
import type { ProbeClient } from './client.ts';
import type { Params } from './endpoints.ts';
import type { FixtureKind } from './values.ts';

const PLACEHOLDER_PREFIX: Record<FixtureKind, string> = {
  customer: 'cus_',
  payment_method: 'pm_',
  product: 'prod_',
  price: 'price_',
  other_price: 'price_',
  one_time_price: 'price_',
  subscription: 'sub_',
  subscription_item: 'si_',
  invoice: 'in_',
  payment_intent: 'pi_',
  charge: 'ch_',
  event: 'evt_',
  coupon: 'coupon_',
  promotion_code: 'promo_',
  test_clock: 'clock_',
  tax_rate: 'txr_',
  portal_configuration: 'bpc_',
  payment_method_configuration: 'pmc_',
};

export class Fixtures {
  /** The server's clock when the fixtures were made, in Unix seconds (the customer's `created`). */
  now = Math.floor(Date.now() / 1000);
  private readonly ids = new Map<FixtureKind, string>();
  private readonly missed = new Map<string, { message: string; times: number }>();

  constructor(private readonly client: ProbeClient) {}

  id(kind: FixtureKind): string {
    return this.ids.get(kind) ?? `${PLACEHOLDER_PREFIX[kind]}probe_unavailable`;
  }

  /** Fixtures that could not be made, each with the server's (first) answer. */
  get notes(): string[] {
    return [...this.missed].map(([what, { message, times }]) => `no ${what}${times > 1 ? ` (${times} times)` : ''}: ${message}`);
  }

  /** Records that `what` could not be made; the same `what` again only counts. */
  note(what: string, message: string): void {
    const seen = this.missed.get(what);
    if (seen) seen.times++;
    else this.missed.set(what, { message, times: 1 });
  }

  /** Makes every fixture it can; never throws for one the server refuses. */
  async make(): Promise<this> {
    await this.attempt('customer', async () => {
      const { id, paymentMethod, created } = await this.customerWithCard('probe-fixture@example.com');
      if (created !== undefined) this.now = created;
      this.ids.set('customer', id);
      this.ids.set('payment_method', paymentMethod);
    });
    await this.attempt('product', async () => {
      const product = await this.client.must('POST', '/v1/products', { name: 'Probe Pro' });
      this.ids.set('product', String(product.id));
      const price = (unit_amount: number, recurring: boolean) =>
        this.client.must('POST', '/v1/prices', {
          product: product.id,
          currency: 'usd',
          unit_amount,
          ...(recurring ? { recurring: { interval: 'month' } } : {}),
        });
      this.ids.set('price', String((await price(1500, true)).id));
      this.ids.set('other_price', String((await price(4900, true)).id));
      this.ids.set('one_time_price', String((await price(1500, false)).id));
    });
    await this.attempt('subscription', async () => {
      const sub = await this.subscribe();
      this.ids.set('subscription', sub.id);
      this.ids.set('subscription_item', sub.item);
      if (sub.invoice) this.ids.set('invoice', sub.invoice);
      if (sub.paymentIntent) this.ids.set('payment_intent', sub.paymentIntent);
      if (sub.charge) this.ids.set('charge', sub.charge);
    });
    await this.attempt('event', async () => {
      const events = await this.client.must('GET', '/v1/events', { limit: 1 });
      const first = (events.data as Params[] | undefined)?.[0];
      if (first) this.ids.set('event', String(first.id));
    });
    await this.attempt('coupon', async () => {
      const coupon = await this.client.must('POST', '/v1/coupons', { percent_off: 10, duration: 'once' });
      this.ids.set('coupon', String(coupon.id));
      const code = await this.client.must('POST', '/v1/promotion_codes', { promotion: { type: 'coupon', coupon: coupon.id } });
      this.ids.set('promotion_code', String(code.id));
    });
    await this.attempt('test clock', async () => {
      const clock = await this.client.must('POST', '/v1/test_helpers/test_clocks', { frozen_time: this.now });
      this.ids.set('test_clock', String(clock.id));
    });
    await this.attempt('tax rate', async () => {
      const rate = await this.client.must('POST', '/v1/tax_rates', { display_name: 'VAT', percentage: 19, inclusive: false, country: 'DE' });
      this.ids.set('tax_rate', String(rate.id));
    });
    await this.attempt('portal configuration', async () => {
      const config = await this.client.must('POST', '/v1/billing_portal/configurations', { features: { invoice_history: { enabled: true } } });
      this.ids.set('portal_configuration', String(config.id));
    });
    await this.attempt('payment method configuration', async () => {
      const config = await this.client.must('POST', '/v1/payment_method_configurations', {
        name: 'Probe cards',
        card: { display_preference: { preference: 'on' } },
      });
      this.ids.set('payment_method_configuration', String(config.id));
    });
    return this;
  }

  /** A new confirmation token for the test card 4242 (a token confirms one intent only). */
  async confirmationToken(): Promise<string> {
    const token = await this.client.must('POST', '/v1/test_helpers/confirmation_tokens', { payment_method: 'pm_card_visa' });
    return String(token.id);
  }

  /** A customer with a card attached and set as its invoices' default payment method. */
  async customerWithCard(email = 'probe-fresh@example.com'): Promise<{ id: string; paymentMethod: string; created?: number }> {
    const customer = await this.client.must('POST', '/v1/customers', { email, name: 'Probe Fixture' });
    const pm = await this.client.must('POST', '/v1/payment_methods/pm_card_visa/attach', { customer: customer.id });
    await this.client.must('POST', `/v1/customers/${customer.id}`, { invoice_settings: { default_payment_method: pm.id } });
    return { id: String(customer.id), paymentMethod: String(pm.id), created: typeof customer.created === 'number' ? customer.created : undefined };
  }

  /** A new paid subscription of the fixture customer; with `withCharge`, also its first invoice's payment intent and charge. */
  async subscribe(withCharge = true): Promise<{ id: string; item: string; start?: number; invoice?: string; paymentIntent?: string; charge?: string }> {
    const sub = await this.client.must('POST', '/v1/subscriptions', {
      customer: this.id('customer'),
      items: [{ price: this.id('price') }],
      // At this API version an invoice's payment intent is under its `payments`.
      expand: ['latest_invoice.payments'],
    });
    const item = (sub.items as { data: Params[] }).data[0]!;
    const invoice = sub.latest_invoice as Params | null;
    const payment = ((invoice?.payments as { data?: Params[] } | undefined)?.data?.[0]?.payment ?? {}) as Params;
    const paymentIntent = typeof payment.payment_intent === 'string' ? payment.payment_intent : undefined;
    const charge = withCharge && paymentIntent ? await this.chargeOf(paymentIntent) : undefined;
    const start = typeof item.current_period_start === 'number' ? item.current_period_start : undefined;
    return { id: String(sub.id), item: String(item.id), start, invoice: invoice ? String(invoice.id) : undefined, paymentIntent, charge };
  }

  /** The payment intent's charge: its `latest_charge`, else the charges listed for it. */
  private async chargeOf(paymentIntent: string): Promise<string | undefined> {
    const pi = await this.client.send('GET', `/v1/payment_intents/${paymentIntent}`);
    if (typeof pi.body?.latest_charge === 'string') return pi.body.latest_charge;
    const list = await this.client.send('GET', '/v1/charges', { payment_intent: paymentIntent, limit: 1 });
    const first = (list.body?.data as Params[] | undefined)?.[0];
    if (first) return String(first.id);
    this.note('charge', `neither GET /v1/payment_intents/:id (${pi.status}) nor GET /v1/charges (${list.status}) gave the payment's charge`);
    return undefined;
  }

  private async attempt(what: string, make: () => Promise<void>): Promise<void> {
    try {
      await make();
    } catch (err) {
      this.note(what, (err as Error).message);
    }
  }
}
