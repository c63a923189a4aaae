/** `/healthz`: whether the database and Stripe answer, with the version and the fault in force. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from './context.ts';
import { PRO_LOOKUP_KEY } from './stripe.ts';

function check(fn: () => void): { ok: true } | { ok: false; error: string } {
  try {
    fn();
    return { ok: true };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

export function registerHealthRoutes(app: FastifyInstance, { deps, faults }: AppContext): void {
  const { db, stripe } = deps;
  app.get('/healthz', async (_req, reply) => {
    const database = check(() => db.ping());
    // A live call each time (not the cached catalogue): health must see Stripe go away.
    const stripeCheck = await stripe.prices.list({ lookup_keys: [PRO_LOOKUP_KEY], limit: 1 }, { maxNetworkRetries: 0, timeout: 5000 }).then(
      () => ({ ok: true as const }),
      (err: Error & { requestId?: string }) => ({ ok: false as const, error: err.message, request_id: err.requestId }),
    );
    const ok = database.ok && stripeCheck.ok;
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', version: deps.version, database, stripe: stripeCheck, fault: faults.fault });
  });
}
