/**
 * The demo SaaS: environments (one per monitoring run), sign-up onto the Free plan, an upgrade
 * to Pro through hosted Stripe Checkout, and a webhook handler that makes the plan follow
 * Stripe. Integrated with Stripe the way production code is: server-side sessions, verified
 * webhooks, idempotency keys, a database.
 *
 * This module builds the server (errors, closing) and registers each part's routes.
 */
import type { ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import qs from 'qs';
import Stripe from 'stripe';
import { registerAdminRoutes } from './admin-routes.ts';
import { registerBillingRoutes } from './billing-routes.ts';
import { stampDateHeaders } from './clock.ts';
import type { AppContext, AppDeps } from './context.ts';
import { FaultState } from './fault-state.ts';
import { registerHealthRoutes } from './health-routes.ts';
import { Holds } from './holds.ts';
import { HttpError } from './http.ts';
import { registerSignupRoutes } from './signup-routes.ts';
import { errorPage } from './views.ts';
import { registerWebhookRoutes } from './webhook-routes.ts';

export type { AppDeps } from './context.ts';
export { ReplayGuard } from './replay-guard.ts';

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { clock } = deps;
  const ctx: AppContext = { deps, faults: new FaultState(deps.fault), holds: new Holds() };

  const app = Fastify({
    logger: false,
    bodyLimit: 64 * 1024,
    routerOptions: { ignoreTrailingSlash: true },
    // HTTP that node cannot parse is answered on the socket, outside any response: dated here.
    clientErrorHandler: (err: Error & { code?: string }, socket) => {
      if (err.code === 'ECONNRESET' || socket.destroyed) return;
      const [status, label] =
        err.code === 'HPE_HEADER_OVERFLOW'
          ? [431, 'Request Header Fields Too Large']
          : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
            ? [408, 'Request Timeout']
            : [400, 'Bad Request'];
      const body = JSON.stringify({ error: `${label}: the request is not valid HTTP.` });
      if (socket.writable) {
        socket.write(
          `HTTP/1.1 ${status} ${label}\r\nDate: ${clock.httpDate()}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        );
      }
      socket.destroy();
    },
  });
  stampDateHeaders(app.server, clock);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, qs.parse(body as string, { depth: 1, parameterLimit: 50 }));
  });

  app.setErrorHandler((error: Error & { statusCode?: number }, req, reply) => {
    // A Stripe error carries Stripe's status code (400 for an idempotency conflict, 401 for a bad
    // key…): that is Stripe refusing the app, not the browser sending something wrong.
    const fromStripe = error instanceof Stripe.errors.StripeError;
    const status = error instanceof HttpError ? error.status : fromStripe ? 502 : error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
    const message =
      error instanceof HttpError || status < 500
        ? error.message
        : fromStripe
          ? 'Our payment provider could not complete the request. Please try again.'
          : 'Something went wrong on our side. Please try again.';
    if (wantsJson(req)) return reply.code(status).send({ error: message });
    return reply.code(status).type('text/html; charset=utf-8').send(errorPage(status, message));
  });
  app.setNotFoundHandler((req, reply) => {
    const message = `No route for ${req.method} ${req.url.split('?')[0]}`;
    if (wantsJson(req)) return reply.code(404).send({ error: message });
    return reply.code(404).type('text/html; charset=utf-8').send(errorPage(404, message));
  });
  // Requests being answered, so that close can let them finish (a response closes when it is sent
  // or its connection drops).
  const inFlight = new Set<ServerResponse>();
  app.addHook('onRequest', async (_req, reply) => {
    const res = reply.raw;
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
  });
  // Closing: answer the requests a fault is holding (`webhook-timeout`, `upgrade-hang`), let the
  // requests in flight finish (for a few seconds at most), then drop every connection. Without
  // that, server.close() waits for keep-alive connections and for connections a client opened but
  // sent nothing on yet, which only their client ends (up to Fastify's 72 s keep-alive).
  app.addHook('preClose', async () => {
    ctx.holds.close();
    const deadline = Date.now() + 5000;
    while (inFlight.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    app.server.closeAllConnections();
  });

  registerAdminRoutes(app, ctx);
  registerHealthRoutes(app, ctx);
  registerSignupRoutes(app, ctx);
  registerBillingRoutes(app, ctx);
  await registerWebhookRoutes(app, ctx);
  return app;
}

function wantsJson(req: FastifyRequest): boolean {
  return req.url.startsWith('/api/') || req.url.startsWith('/_demo/') || req.url.startsWith('/webhooks/') || /json/.test(req.headers.accept ?? '');
}
