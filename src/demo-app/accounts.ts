/** Environments and accounts as the routes name them (`:env`, `:account`), and an account's plan. */
import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { AccountRow, Db } from './db.ts';
import { HttpError } from './http.ts';
import type { PlanView } from './views.ts';

const PAID_STATUSES = new Set(['active', 'trialing', 'past_due']);

export const newId = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;

/** The environment `:env` names, or a 404. */
export function environmentOf(db: Db, req: FastifyRequest) {
  const envId = (req.params as { env: string }).env;
  const env = db.environment(envId);
  if (!env) throw new HttpError(404, `No environment '${envId}'.`);
  return env;
}

/** The account `:account` names in the environment `:env` names, or a 404. */
export function accountOf(db: Db, req: FastifyRequest): AccountRow {
  const env = environmentOf(db, req);
  const accountId = (req.params as { account: string }).account;
  const acct = db.account(env.id, accountId);
  if (!acct) throw new HttpError(404, `No account '${accountId}' in environment '${env.id}'.`);
  return acct;
}

export function planOf(db: Db, acct: AccountRow): PlanView {
  const paid = db.subscriptions(acct.id).find((s) => PAID_STATUSES.has(s.status));
  return paid
    ? { plan: 'pro', renewsAt: paid.current_period_end, status: paid.status, cancelsAt: paid.cancel_at }
    : { plan: 'free', renewsAt: null, status: null, cancelsAt: null };
}

/** An account as the admin API shows it. */
export function accountView(db: Db, acct: AccountRow) {
  const p = planOf(db, acct);
  return {
    id: acct.id,
    environment: acct.environment_id,
    email: acct.email,
    name: acct.name,
    created: acct.created,
    stripe_customer_id: acct.stripe_customer_id,
    plan: p.plan,
    renews_at: p.renewsAt,
    /** The paid plan's Stripe status (active, trialing, past_due), null on Free. */
    status: p.status,
    cancels_at: p.cancelsAt,
    subscriptions: db.subscriptions(acct.id),
  };
}

/** Where an account's pages live. */
export const accountPath = (acct: AccountRow) => `/e/${acct.environment_id}/a/${acct.id}`;
