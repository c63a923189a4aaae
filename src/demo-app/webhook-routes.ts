/** `/webhooks/stripe`: verifies a delivery (signature, timestamp, replay), applies it, acknowledges it. */
import type { FastifyInstance } from 'fastify';
import type Stripe from 'stripe';
import type { AppContext } from './context.ts';
import { ReplayGuard } from './replay-guard.ts';
import { handleEvent } from './stripe-events.ts';

/** Stripe's default tolerance: a signature older than this is refused (the SDK checks), and so is one this far ahead. */
const WEBHOOK_TOLERANCE_S = 300;

export async function registerWebhookRoutes(app: FastifyInstance, { deps, faults, holds }: AppContext): Promise<void> {
  const { db, stripe } = deps;
  const replays = new ReplayGuard(WEBHOOK_TOLERANCE_S);
  await app.register(async (scope) => {
    // The signature is over the raw body: keep it as bytes.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 512 * 1024 }, (_req, body, done) => done(null, body));
    scope.post('/webhooks/stripe', async (req, reply) => {
      if (faults.strikes('webhook-500')) return reply.code(500).send({ error: 'webhook-500 fault: handler crashed' });
      if (faults.strikes('webhook-timeout')) {
        await holds.hold(deps.webhookHoldMs);
        if (holds.closing) reply.header('connection', 'close');
        return reply.code(500).send({ error: 'webhook-timeout fault: handler hung' });
      }
      const signature = req.headers['stripe-signature'];
      if (typeof signature !== 'string' || !signature) return reply.code(400).send({ error: 'Missing Stripe-Signature header.' });
      if (!Buffer.isBuffer(req.body)) return reply.code(400).send({ error: 'Missing request body.' });
      const secret = faults.strikes('webhook-wrong-secret') ? 'whsec_deployed_with_the_wrong_secret' : deps.webhookSecret();
      let event: Stripe.Event;
      try {
        event = stripe.webhooks.constructEvent(req.body, signature, secret, WEBHOOK_TOLERANCE_S);
      } catch (err) {
        return reply.code(400).send({ error: `Webhook signature verification failed: ${(err as Error).message}` });
      }
      const refused = replays.check(signature);
      if (refused) return reply.code(400).send({ error: `Webhook signature verification failed: ${refused}` });
      // From here on the delivery is acknowledged (2xx), and recorded as such for the admin API.
      if (faults.strikes('ignore-upgrade')) {
        db.acknowledgeEvent(event, false);
        return { received: true };
      }
      await handleEvent(db, stripe, event, { ignorePastDue: () => faults.strikes('ignore-past-due') });
      db.acknowledgeEvent(event, true);
      return { received: true };
    });
  });
}
