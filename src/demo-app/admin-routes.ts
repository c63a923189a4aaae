/**
 * The admin API, behind the bearer token: environments and their accounts, the webhook endpoint
 * and the deliveries acknowledged, and the demo's own controls (the clock, the fault in force).
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { accountOf, accountView, environmentOf, newId } from './accounts.ts';
import { MAX_UNIX_SECONDS } from './clock.ts';
import type { AppContext } from './context.ts';
import { FAULTS, parseFault, UnknownFault, type FaultName } from './faults.ts';
import { HttpError, parseJson } from './http.ts';

// Labels go into Stripe metadata beside `environment` and `account`: Stripe allows 50 keys of at
// most 40 characters with values of at most 500, and the app's own keys must not be overwritten.
const RESERVED_LABELS = new Set(['environment', 'account']);
/** An environment's labels after a change: what Stripe's 50 metadata keys leave beside the app's own two. */
const MAX_LABELS = 50 - RESERVED_LABELS.size;
const labelName = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,40}$/, 'label names are 1–40 letters, digits, _ . -')
  .refine((k) => !RESERVED_LABELS.has(k), 'environment and account are set by the app');
const labelValue = z.string().max(500, 'label values are at most 500 characters');
const labelsSchema = z.record(labelName, labelValue).refine((labels) => Object.keys(labels).length <= 40, 'at most 40 labels');
const environmentBody = z.strictObject({ labels: labelsSchema.optional() });
/** PATCH: labels to merge in; `null` removes one. The total is checked once merged. */
const labelsPatchBody = z.strictObject({
  labels: z.record(labelName, labelValue.nullable(), {
    error: (issue) => `${issue.input === undefined ? 'required, ' : ''}an object of label names to strings (null removes one)`,
  }),
});
const testClockBody = z.strictObject({
  test_clock: z
    .string()
    .regex(/^clock_[A-Za-z0-9]{1,100}$/, 'a Stripe test clock id (clock_…)')
    .nullable(),
});
// One object with both fields optional, not a union: a union's error names no field.
const clockBody = z
  .strictObject({
    now: z.number().int().min(0).max(MAX_UNIX_SECONDS).optional(),
    advance_seconds: z.number().int().min(-MAX_UNIX_SECONDS).max(MAX_UNIX_SECONDS).optional(),
  })
  .refine((b) => (b.now === undefined) !== (b.advance_seconds === undefined), { error: 'send exactly one of now, advance_seconds' });
const faultBody = z.strictObject({
  fault: z.string().nullable(),
  /** Only the next N times the fault would strike (then it clears itself); absent: until cleared. */
  times: z.number().int().positive().max(1_000_000).optional(),
});

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function registerAdminRoutes(app: FastifyInstance, { deps, faults }: AppContext): void {
  const { db, clock } = deps;
  const admin = async (req: FastifyRequest) => {
    const header = req.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7) : '';
    if (!token) throw new HttpError(401, 'Missing admin token: send Authorization: Bearer <DEMO_APP_ADMIN_TOKEN>.');
    if (!sameSecret(token, deps.adminToken)) throw new HttpError(403, 'Wrong admin token.');
  };

  app.post('/api/environments', { onRequest: admin }, async (req, reply) => {
    const body = parseJson(environmentBody, req.body, 'environment');
    return reply.code(201).send(db.createEnvironment(newId('env'), body.labels ?? {}));
  });
  app.get('/api/environments', { onRequest: admin }, async () => ({ data: db.environments() }));
  app.patch('/api/environments/:env', { onRequest: admin }, async (req) => {
    const envId = (req.params as { env: string }).env;
    const body = parseJson(labelsPatchBody, req.body, 'environment labels');
    const env = db.updateLabels(envId, (current) => {
      const merged = { ...current };
      for (const [key, value] of Object.entries(body.labels)) {
        if (value === null) delete merged[key];
        else merged[key] = value;
      }
      const count = Object.keys(merged).length;
      if (count > MAX_LABELS) throw new HttpError(400, `Invalid labels: the environment would have ${count} labels; at most ${MAX_LABELS}.`);
      return merged;
    });
    if (!env) throw new HttpError(404, `No environment '${envId}'.`);
    return env;
  });
  // Test mode only: the environment's customers from now on are created on this Stripe test clock.
  app.put('/api/environments/:env/test-clock', { onRequest: admin }, async (req) => {
    const envId = (req.params as { env: string }).env;
    const body = parseJson(testClockBody, req.body, 'test clock');
    const env = db.setTestClock(envId, body.test_clock);
    if (!env) throw new HttpError(404, `No environment '${envId}'.`);
    return env;
  });
  app.delete('/api/environments/:env', { onRequest: admin }, async (req) => {
    const envId = (req.params as { env: string }).env;
    const existed = db.deleteEnvironment(envId);
    return { id: envId, deleted: true, existed };
  });
  app.get('/api/environments/:env/accounts', { onRequest: admin }, async (req) => {
    const env = environmentOf(db, req);
    const raw = (req.query as { email?: unknown }).email;
    if (raw !== undefined && typeof raw !== 'string') throw new HttpError(400, 'Invalid query: email must be given once.');
    const email = raw?.trim().toLowerCase();
    return {
      data: db
        .accounts(env.id)
        .filter((a) => !email || a.email === email)
        .map((a) => accountView(db, a)),
    };
  });
  app.get('/api/environments/:env/accounts/:account', { onRequest: admin }, async (req) => accountView(db, accountOf(db, req)));
  app.get('/api/webhooks', { onRequest: admin }, async () => {
    const endpoint = deps.webhookEndpoint();
    return { url: endpoint.url, endpoint_id: endpoint.id };
  });
  // Which events the webhook handler acknowledged (answered 2xx after verifying them): on real
  // Stripe a monitor cannot see one endpoint's deliveries, so it asks the app.
  app.get('/api/webhooks/events/:id', { onRequest: admin }, async (req) => {
    const eventId = (req.params as { id: string }).id;
    const ack = db.acknowledgedEvent(eventId);
    if (!ack) throw new HttpError(404, `No acknowledged event '${eventId}': the webhook handler has not answered 2xx to a verified delivery of it.`);
    return ack;
  });
  app.get('/_demo/clock', { onRequest: admin }, async () => ({ now: clock.now() }));
  app.post('/_demo/clock', { onRequest: admin }, async (req) => {
    const body = parseJson(clockBody, req.body, 'clock body (send {"now": unixSeconds} or {"advance_seconds": n})');
    if (body.now !== undefined) {
      clock.set(body.now);
    } else {
      const target = clock.now() + body.advance_seconds!;
      if (target < 0 || target > MAX_UNIX_SECONDS) {
        throw new HttpError(400, `Invalid clock body at advance_seconds: the clock would move to ${target}, outside 0..${MAX_UNIX_SECONDS}.`);
      }
      clock.advance(body.advance_seconds!);
    }
    return { now: clock.now() };
  });
  app.get('/_demo/faults', { onRequest: admin }, async () => ({ fault: faults.fault, remaining: faults.remaining, faults: FAULTS }));
  app.post('/_demo/faults', { onRequest: admin }, async (req) => {
    const body = parseJson(faultBody, req.body, 'fault body (send {"fault": name, "times"?: N} or {"fault": null})');
    let next: FaultName | null;
    try {
      next = parseFault(body.fault, 'fault');
    } catch (err) {
      if (err instanceof UnknownFault) throw new HttpError(400, err.message);
      throw err;
    }
    if (next === null && body.times !== undefined) throw new HttpError(400, 'Invalid fault body: times only goes with a fault.');
    faults.set(next, body.times ?? null);
    return { fault: faults.fault, remaining: faults.remaining };
  });
}
