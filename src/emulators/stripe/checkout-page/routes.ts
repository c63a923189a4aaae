/** The hosted Checkout page's routes: the page, its confirmation endpoint, the 3D Secure frames. */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { formatAmount } from '../money.ts';
import type { Emulator } from '../context.ts';
import type { CheckoutPageFault } from '../faults.ts';
import { botChallengePage, checkoutPage, challengeHost, challengePage, noticePage } from './render.ts';
import { z } from 'zod';
import { applyPromotionCode, confirmBody, confirmCheckout, lockedEmail } from './pay.ts';
import { shownLayout } from './variants.ts';

export interface CheckoutPageOptions {
  /** The business name the page shows (the Stripe account's name). */
  businessName: string;
  /** Runs after a confirmation changed state (persistence). */
  afterChange: () => Promise<void>;
  /** Sessions past `expires_at` expire before the page is shown. */
  expireDue: () => void;
  /** The injected fault of the page (a CAPTCHA, no answer at all, or every card declined). */
  pageFault: () => CheckoutPageFault;
}

const promotionCodeBody = z.strictObject({ code: z.string().max(500) });

const html = (reply: FastifyReply, status: number, body: string) =>
  reply.code(status).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(body);

export function checkoutPageRoutes(emu: Emulator, options: CheckoutPageOptions) {
  return (app: FastifyInstance): void => {
    const findSession = (id: string) => {
      options.expireDue();
      return emu.store.find('checkout.session', id);
    };

    app.get('/c/pay/:id', async (req, reply) => {
      const fault = options.pageFault();
      if (fault === 'unreachable') {
        // As if checkout.stripe.com could not be reached: the connection closes with no answer.
        reply.hijack();
        req.raw.socket.destroy();
        return;
      }
      if (fault === 'captcha') return html(reply, 200, botChallengePage());
      const session = findSession((req.params as { id: string }).id);
      if (!session) return html(reply, 404, noticePage('Something went wrong', 'The page you were looking for could not be found.'));
      if (session.status === 'expired') {
        return html(
          reply,
          200,
          noticePage(
            'This Checkout Session has expired',
            'This Checkout Session is no longer active. Please return to the merchant to start again.',
            session.cancel_url ? { href: session.cancel_url, text: `Back to ${options.businessName}` } : undefined,
          ),
        );
      }
      if (session.status === 'complete') {
        return html(
          reply,
          200,
          noticePage(
            session.mode === 'setup' ? 'Your card is saved' : 'Thanks for your payment',
            session.mode === 'setup'
              ? 'This Checkout Session is already complete; your card was saved.'
              : 'This Checkout Session is already complete; your payment went through.',
            session.success_url ? { href: session.success_url, text: 'Continue' } : undefined,
          ),
        );
      }
      return html(
        reply,
        200,
        checkoutPage({
          session,
          items: emu.store.sessionItems.get(session.id) ?? [],
          businessName: options.businessName,
          email: lockedEmail(emu, session),
          now: emu.clock.now(),
          pageLayout: shownLayout(emu, session),
          shippingRate: session.shipping_cost ? (emu.store.get(session.shipping_cost.shipping_rate) ?? null) : null,
        }),
      );
    });

    app.post('/c/pay/:id/confirm', async (req, reply) => {
      const session = findSession((req.params as { id: string }).id);
      if (!session) return reply.code(404).send({ status: 'not_found', message: 'No such checkout session.' });
      // The robot is stopped before anything is read or charged.
      if (options.pageFault() === 'captcha_on_submit') return reply.code(200).send({ status: 'captcha' });
      const parsed = confirmBody.safeParse(req.body ?? {});
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        return reply.code(400).send({ status: 'bad_request', message: `Invalid ${issue.path.join('.') || 'body'}: ${issue.message}` });
      }
      const result = confirmCheckout(emu, session, parsed.data, { id: req.id, idempotency_key: null }, { issuerDeclines: options.pageFault() === 'decline' });
      await options.afterChange();
      const status = result.status === 'card_error' ? 402 : result.status === 'invalid' ? 400 : result.status === 'expired' ? 410 : 200;
      return reply.code(status).send(result);
    });

    // A promotion code typed on the page (sessions with allow_promotion_codes).
    app.post('/c/pay/:id/promotion-code', async (req, reply) => {
      const session = findSession((req.params as { id: string }).id);
      if (!session) return reply.code(404).send({ status: 'not_found', message: 'No such checkout session.' });
      const parsed = promotionCodeBody.safeParse(req.body ?? {});
      if (!parsed.success) return reply.code(400).send({ status: 'bad_request', message: 'Invalid code: a string of at most 500 characters is expected.' });
      const result = applyPromotionCode(emu, session, parsed.data.code);
      if (result.status === 'applied') await options.afterChange();
      return reply.code(result.status === 'applied' ? 200 : result.status === 'expired' ? 410 : 400).send(result);
    });

    app.get('/c/3ds/:id', async (req, reply) => {
      const session = findSession((req.params as { id: string }).id);
      if (!session) return html(reply, 404, noticePage('Not found', 'No such authentication.'));
      return html(reply, 200, challengeHost(session.id));
    });

    app.get('/c/3ds/:id/challenge', async (req, reply) => {
      const session = findSession((req.params as { id: string }).id);
      if (!session) return html(reply, 404, noticePage('Not found', 'No such authentication.'));
      return html(reply, 200, challengePage(session.mode === 'setup' ? null : formatAmount(session.amount_total, session.currency)));
    });
  };
}
