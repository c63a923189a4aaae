/** The landing page and sign-up onto the Free plan: an account, and its Stripe customer. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { accountPath, environmentOf, newId } from './accounts.ts';
import type { AppContext } from './context.ts';
import type { AccountRow } from './db.ts';
import { html, HttpError } from './http.ts';
import { landingPage, signupPage } from './views.ts';

const signupForm = z.object({
  email: z
    .string()
    .trim()
    .toLowerCase()
    .max(254, 'Enter a valid email address.')
    .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'Enter a valid email address.'),
  name: z.string().trim().max(200, 'Your name can be at most 200 characters.').optional(),
});

export function registerSignupRoutes(app: FastifyInstance, { deps }: AppContext): void {
  const { db, stripe } = deps;
  app.get('/', async (_req, reply) => html(reply, landingPage()));
  app.get('/e/:env/signup', async (req, reply) => html(reply, signupPage(environmentOf(db, req).id)));
  app.post('/e/:env/signup', async (req, reply) => {
    const env = environmentOf(db, req);
    const form = signupForm.safeParse(req.body ?? {});
    const raw = (req.body ?? {}) as { email?: string; name?: string };
    if (!form.success) return html(reply, signupPage(env.id, form.error.issues[0]!.message, raw), 400);
    if (db.accountByEmail(env.id, form.data.email)) {
      return html(reply, signupPage(env.id, 'An account with this email already exists.', raw), 409);
    }
    let acct: AccountRow;
    try {
      acct = db.createAccount({ id: newId('acct'), environment_id: env.id, email: form.data.email, name: form.data.name || null });
    } catch (err) {
      // Two sign-ups with one email at the same moment: the database's unique key decides.
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        return html(reply, signupPage(env.id, 'An account with this email already exists.', raw), 409);
      }
      throw err;
    }
    try {
      const customer = await stripe.customers.create(
        {
          email: acct.email,
          name: acct.name ?? undefined,
          metadata: { ...env.labels, environment: env.id, account: acct.id },
          // The environment's test clock (test mode only): the customer lives on its time.
          ...(env.test_clock && { test_clock: env.test_clock }),
        },
        { idempotencyKey: `demo-app-customer-${acct.id}` },
      );
      db.setCustomer(acct.id, customer.id);
    } catch (err) {
      // Nothing half-done: without its Stripe customer the account is not created.
      db.deleteAccount(acct.id);
      throw new HttpError(502, `We could not create your account (${(err as Error).message}). Please try again.`);
    }
    return reply.redirect(`${accountPath(acct)}/billing`, 303);
  });
}
