/**
 * The hosted customer portal's routes: the page a portal session's `url` opens, and the form
 * posts that cancel or switch a plan through the subscription engine (subscriptions.ts), with
 * the events Stripe sends for the same change made in its portal.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { StripeApiError } from '../errors.ts';
import { cancelSubscription, updateSubscription } from '../subscriptions.ts';
import { noticePage } from '../checkout-page/render.ts';
import { PORTAL_STATUSES, portalProducts } from '../resources/billing-portal.ts';
import type { Emulator } from '../context.ts';
import type { RequestInfo } from '../events.ts';
import type { StripeObject } from '../store.ts';
import { cancelPage, confirmationPage, homePage, paymentMethodPage, updatePage, type PortalView, type PriceOption } from './render.ts';

export interface PortalPageOptions {
  /** The business name the portal shows ("Return to …"). */
  businessName: string;
  /** Runs after a change made on the page (persistence). */
  afterChange: () => Promise<void>;
}

const html = (reply: FastifyReply, status: number, body: string) =>
  reply.code(status).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(body);

const updateBody = z.object({ price: z.string().max(255) });

/** What the page keeps about a session beside it: whether its flow is done. */
const flowDone = (emu: Emulator, session: StripeObject): boolean => emu.store.extras.get(session.id)?.flow_completed === true;

export function portalPageRoutes(emu: Emulator, options: PortalPageOptions) {
  return (app: FastifyInstance): void => {
    const load = (params: unknown) => {
      const { id, sub } = params as { id: string; sub?: string };
      const session = emu.store.find('billing_portal.session', id);
      if (!session) return null;
      const customer = emu.store.find('customer', session.customer);
      const config = emu.store.find('billing_portal.configuration', session.configuration);
      if (!customer || !config) return null;
      const view: PortalView = {
        session,
        businessName: options.businessName,
        headline: config.business_profile.headline,
        lang: !session.locale || session.locale === 'auto' ? 'en' : session.locale,
      };
      // Only the session's customer's own subscriptions, and only those the portal may change.
      const found = sub === undefined ? undefined : emu.store.find('subscription', sub);
      const subscription = found && found.customer === customer.id && PORTAL_STATUSES.includes(found.status) ? found : undefined;
      return { session, customer, config, view, subscription };
    };
    type Loaded = NonNullable<ReturnType<typeof load>>;
    const notFound = (reply: FastifyReply) => html(reply, 404, noticePage('Something went wrong', 'This portal session could not be found.'));
    const productName = (price: StripeObject) => emu.store.get(price.product)?.name ?? 'Plan';

    /** The prices offered instead of the subscription's one: the configuration's, in its currency and billing interval. */
    const priceOptions = (l: Loaded, sub: StripeObject): PriceOption[] => {
      const current = (sub.items.data as StripeObject[])[0]!.price;
      return portalProducts(emu, l.config)
        .flatMap((p) => p.prices)
        .map((id) => emu.store.find('price', id))
        .filter((price): price is StripeObject => price?.active === true && price.currency === sub.currency)
        .map((price) => ({ price, productName: productName(price), current: price.id === current.id }));
    };
    const canUpdate = (l: Loaded, sub: StripeObject) => {
      const su = l.config.features.subscription_update;
      if (!su.enabled || !su.default_allowed_updates.includes('price') || sub.cancel_at || sub.items.data.length !== 1) return false;
      const offered = priceOptions(l, sub);
      return offered.some((o) => o.current) && offered.some((o) => !o.current);
    };
    const cardOf = (l: Loaded, sub?: StripeObject) => {
      const id = sub?.default_payment_method ?? l.customer.invoice_settings.default_payment_method;
      return (id && emu.store.find('payment_method', id)) ?? null;
    };

    const home = (l: Loaded, notice?: string) => {
      const subs = emu.store.all('subscription').filter((s) => s.customer === l.customer.id && PORTAL_STATUSES.includes(s.status));
      const plans = subs.map((sub) => ({
        subscription: sub,
        productNames: Object.fromEntries((sub.items.data as StripeObject[]).map((si) => [si.price.product, productName(si.price)])),
        canCancel: l.config.features.subscription_cancel.enabled,
        canUpdate: canUpdate(l, sub),
      }));
      return homePage(l.view, plans, cardOf(l), l.config.features.payment_method_update.enabled, notice);
    };
    const cancelView = (l: Loaded, sub: StripeObject, error?: string) =>
      cancelPage(l.view, sub, productName((sub.items.data as StripeObject[])[0]!.price), l.config.features.subscription_cancel.mode, error);

    /** Where the customer goes once a change is made: the flow's after_completion, else the portal's home. */
    const finish = async (l: Loaded, reply: FastifyReply, done: string) => {
      const flow = l.session.flow;
      if (flow) emu.store.extras.set(l.session.id, { ...emu.store.extras.get(l.session.id), flow_completed: true });
      await options.afterChange();
      const after = flow?.after_completion;
      if (after?.type === 'redirect') return reply.redirect(after.redirect.return_url, 303);
      if (after?.type === 'hosted_confirmation') return html(reply, 200, confirmationPage(l.view, after.hosted_confirmation?.custom_message ?? done));
      return html(reply, 200, home(l, done));
    };

    app.get('/p/session/:id', async (req, reply) => {
      const l = load(req.params);
      if (!l) return notFound(reply);
      const flow = l.session.flow;
      if (flow && !flowDone(emu, l.session)) {
        const subId = flow[flow.type]?.subscription as string | undefined;
        const sub = subId ? load({ id: l.session.id, sub: subId })?.subscription : undefined;
        if (flow.type === 'payment_method_update') return html(reply, 200, paymentMethodPage(l.view, cardOf(l)));
        if (sub && flow.type === 'subscription_cancel' && !sub.cancel_at) return html(reply, 200, cancelView(l, sub));
        if (sub && (flow.type === 'subscription_update' || flow.type === 'subscription_update_confirm') && canUpdate(l, sub)) {
          const preselected = flow.type === 'subscription_update_confirm' ? (flow.subscription_update_confirm.items[0]?.price ?? undefined) : undefined;
          return html(reply, 200, updatePage(l.view, sub, priceOptions(l, sub), preselected));
        }
      }
      return html(reply, 200, home(l));
    });

    app.get('/p/session/:id/subscriptions/:sub/cancel', async (req, reply) => {
      const l = load(req.params);
      if (!l?.subscription || !l.config.features.subscription_cancel.enabled) return notFound(reply);
      return html(reply, 200, cancelView(l, l.subscription));
    });

    app.post('/p/session/:id/subscriptions/:sub/cancel', async (req, reply) => {
      const l = load(req.params);
      if (!l?.subscription || !l.config.features.subscription_cancel.enabled) return notFound(reply);
      const sub = l.subscription;
      const request: RequestInfo = { id: req.id, idempotency_key: null };
      try {
        if (l.config.features.subscription_cancel.mode === 'immediately') {
          cancelSubscription(emu, sub, request);
          return await finish(l, reply, 'Your plan has been canceled.');
        }
        if (!sub.cancel_at_period_end) {
          updateSubscription(
            emu,
            sub,
            {
              paymentMethod: null,
              prorationBehavior: 'none',
              apply: (s) => {
                s.cancel_at_period_end = true;
                s.cancel_at = Math.min(...(s.items.data as StripeObject[]).map((si) => si.current_period_end as number));
                s.cancellation_details = { comment: null, feedback: null, reason: 'cancellation_requested' };
              },
            },
            request,
          );
        }
        return await finish(l, reply, 'Your plan will be canceled at the end of the billing period.');
      } catch (err) {
        if (!(err instanceof StripeApiError)) throw err;
        return html(reply, err.status, cancelView(l, sub, err.message));
      }
    });

    app.get('/p/session/:id/subscriptions/:sub/update', async (req, reply) => {
      const l = load(req.params);
      if (!l?.subscription || !canUpdate(l, l.subscription)) return notFound(reply);
      return html(reply, 200, updatePage(l.view, l.subscription, priceOptions(l, l.subscription)));
    });

    app.post('/p/session/:id/subscriptions/:sub/update', async (req, reply) => {
      const l = load(req.params);
      if (!l?.subscription || !canUpdate(l, l.subscription)) return notFound(reply);
      const sub = l.subscription;
      const offered = priceOptions(l, sub);
      const parsed = updateBody.safeParse(req.body ?? {});
      const choice = parsed.success ? offered.find((o) => o.price.id === parsed.data.price && !o.current) : undefined;
      if (!choice) return html(reply, 400, updatePage(l.view, sub, offered, undefined, 'Choose one of the plans above.'));
      const su = l.config.features.subscription_update;
      const item = (sub.items.data as StripeObject[])[0]!;
      try {
        updateSubscription(
          emu,
          sub,
          {
            items: [{ item, price: choice.price }],
            prorationBehavior: su.proration_behavior,
            trialEnd: sub.status === 'trialing' && su.trial_update_behavior === 'end_trial' ? 'now' : undefined,
            paymentMethod: cardOf(l, sub),
            apply: () => undefined,
          },
          { id: req.id, idempotency_key: null },
        );
      } catch (err) {
        if (!(err instanceof StripeApiError)) throw err;
        return html(reply, err.status, updatePage(l.view, sub, offered, choice.price.id, err.message));
      }
      return finish(l, reply, `Your plan was updated to ${choice.productName}.`);
    });
  };
}
