/**
 * The emulator's HTTP layer: Stripe's transport rules (auth, form bodies, Request-Id,
 * idempotency, rate limit, injected faults, error shape) around the resource handlers.
 * No request, however malformed, may answer 500 or stop the server: every failure is mapped
 * to Stripe's error shape.
 */
import { createHash } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import qs from 'qs';
import { z } from 'zod';
import { stampDateHeaders } from './clock.ts';
import { StripeApiError, errorTypeForStatus, invalidRequest } from './errors.ts';
import { applyExpand, checkExpandPaths, type Includables } from './expand.ts';
import { newId } from './ids.ts';
import { expandParam, parseParams } from './params.ts';
import type { ApiRoute, Emulator, HandlerResult } from './context.ts';
import type { Faults } from './faults.ts';
import type { Persister, StripeObject } from './store.ts';

const QS_OPTIONS: qs.IParseOptions = { depth: 8, arrayLimit: 200, parameterLimit: 5000, allowDots: false };

const KEY_PATTERN = /^(sk|rk)_test_[A-Za-z0-9_]{1,247}$/;

function authError(message: string): StripeApiError {
  return new StripeApiError(401, { type: 'authentication_error', message });
}

/**
 * Stripe redacts keys in its messages: sk_live_****abcd. Whatever was sent (a key of another
 * shape, a whole header), the message keeps at most a known prefix and the last 4 characters
 * of a long enough value, so it never echoes a full key.
 */
export const redactKey = (key: string): string => {
  const prefix = /^(?:sk|rk|pk)_(?:test|live)_/.exec(key)?.[0] ?? '';
  const rest = key.slice(prefix.length);
  if (rest.length === 0) return prefix;
  return `${prefix}****${rest.length >= 12 ? rest.slice(-4) : ''}`;
};

/** The API key of a request (Bearer or Basic with the key as user), or the 401 Stripe answers. */
export function apiKeyOf(header: string | undefined): string {
  if (!header) {
    throw authError(
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
    );
  }
  let key = '';
  const [scheme, value = ''] = header.trim().split(/\s+/, 2);
  if (/^bearer$/i.test(scheme!)) key = value;
  else if (/^basic$/i.test(scheme!)) key = Buffer.from(value, 'base64').toString('utf8').split(':')[0] ?? '';
  else throw authError(`Invalid API Key provided: ${redactKey(header.trim())}. Use Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').`);
  if (/^(sk|rk)_live_/.test(key)) {
    throw authError(`Invalid API Key provided: ${redactKey(key)}. This emulator only accepts test mode keys (sk_test_… or rk_test_…).`);
  }
  if (!KEY_PATTERN.test(key)) throw authError(`Invalid API Key provided: ${redactKey(key) || '(empty)'}`);
  return key;
}

/** Parameters compared for idempotency: order of keys must not matter. */
function fingerprint(method: string, url: string, params: unknown): string {
  const canonical = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v as object)
            .sort()
            .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
        )
      : Array.isArray(v)
        ? v.map(canonical)
        : v;
  return createHash('sha256')
    .update(`${method} ${url} ${JSON.stringify(canonical(params))}`)
    .digest('hex');
}

export interface ServerParts {
  emu: Emulator;
  routes: ApiRoute[];
  includables: Includables;
  faults: Faults;
  persister: Persister;
  rateLimit?: number;
  /** Called before each API request is handled (lazy expiry of sessions, …). */
  beforeRequest?: () => void;
  control: (app: FastifyInstance) => void;
  /** The hosted pages: Checkout (HTML and its JSON confirmation endpoint) and the billing portal. */
  pages: (app: FastifyInstance) => void;
}

const unrecognizedUrl = (method: string, path: string): StripeApiError =>
  new StripeApiError(404, {
    type: 'invalid_request_error',
    message: `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
  });

function sendError(reply: FastifyReply, err: StripeApiError): FastifyReply {
  return reply.code(err.status).header('content-type', 'application/json').send(err.toJSON());
}

export async function buildServer(parts: ServerParts): Promise<FastifyInstance> {
  const { emu, routes, includables, faults, persister } = parts;
  const app = Fastify({
    logger: false,
    bodyLimit: 1024 * 1024,
    routerOptions: {
      ignoreTrailingSlash: true,
      // Long ids reach the handlers (and answer resource_missing) instead of the router's 414.
      maxParamLength: 2000,
      querystringParser: (s: string) => qs.parse(s, QS_OPTIONS) as Record<string, unknown>,
    },
    genReqId: () => newId('request'),
    // HTTP that node cannot even parse (a garbage request line, headers over 16 KB): still
    // answered in Stripe's shape with a Request-Id, then the connection is closed.
    clientErrorHandler: (err: Error & { code?: string }, socket) => {
      if (err.code === 'ECONNRESET' || socket.destroyed) return;
      const [status, label, message] =
        err.code === 'HPE_HEADER_OVERFLOW'
          ? [431, 'Request Header Fields Too Large', 'Request headers (or URL) too large.']
          : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
            ? [408, 'Request Timeout', 'The request took too long to arrive.']
            : [400, 'Bad Request', 'Malformed HTTP request.'];
      const body = JSON.stringify(new StripeApiError(status, { type: 'invalid_request_error', message }).toJSON());
      if (socket.writable) {
        socket.write(
          `HTTP/1.1 ${status} ${label}\r\nDate: ${emu.clock.httpDate()}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nRequest-Id: ${newId('request')}\r\nConnection: close\r\n\r\n${body}`,
        );
      }
      socket.destroy();
    },
    // Errors the router raises before any hook runs (bad percent-encoding in the path, an
    // over-long path parameter): answered in Stripe's shape, with a Request-Id, like the rest.
    frameworkErrors: (error, req, reply) => {
      reply.header('Request-Id', req.id);
      const path = (req.raw.url ?? '').split('?')[0];
      if (error.code === 'FST_ERR_BAD_URL') {
        return sendError(reply, invalidRequest(`Invalid request URL (${req.raw.method}: ${path}): the path is not valid percent-encoding.`));
      }
      return sendError(reply, unrecognizedUrl(req.raw.method ?? 'GET', path ?? ''));
    },
  });

  stampDateHeaders(app.server, emu.clock);

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, qs.parse(body as string, QS_OPTIONS));
  });
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    // The control API and the hosted page take JSON; Stripe's API takes form bodies only.
    if (req.url.startsWith('/v1/')) {
      done(invalidRequest('Invalid request: the Stripe API takes application/x-www-form-urlencoded bodies, not JSON.'), undefined);
      return;
    }
    try {
      done(null, body === '' ? {} : JSON.parse(body as string));
    } catch {
      done(invalidRequest('Invalid JSON body.'), undefined);
    }
  });
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, _body, done) => {
    done(invalidRequest('Invalid request: unsupported Content-Type; use application/x-www-form-urlencoded.'), undefined);
  });

  app.addHook('onRequest', async (req, reply) => {
    reply.header('Request-Id', req.id);
    if (!req.url.startsWith('/v1/')) return;
    reply.header('Stripe-Version', (req.headers['stripe-version'] as string | undefined) ?? '2026-10-28.endive');
    (req as FastifyRequest & { apiKey: string }).apiKey = apiKeyOf(req.headers.authorization);
  });

  if (parts.rateLimit) {
    await app.register(rateLimit, {
      max: parts.rateLimit,
      timeWindow: 1000,
      hook: 'preValidation',
      keyGenerator: (req) => (req as FastifyRequest & { apiKey?: string }).apiKey ?? req.ip,
      allowList: (req) => !req.url.startsWith('/v1/'),
      addHeaders: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false, 'retry-after': true },
      errorResponseBuilder: () =>
        new StripeApiError(429, {
          type: 'invalid_request_error',
          code: 'rate_limit',
          message: 'Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.',
        }),
    });
  }

  app.setErrorHandler((error: Error & { statusCode?: number }, _req, reply) => {
    if (error instanceof StripeApiError) return sendError(reply, error);
    const status = error.statusCode;
    if (status === 413) return sendError(reply, invalidRequest('Request body too large.'));
    if (status && status >= 400 && status < 500) return sendError(reply, invalidRequest(`Invalid request: ${error.message}`));
    // A bug in the emulator: answer in Stripe's shape and keep serving.
    return sendError(reply, new StripeApiError(500, { type: 'api_error', message: `Emulator error: ${error.message}` }));
  });

  app.setNotFoundHandler((req, reply) => sendError(reply, unrecognizedUrl(req.method, req.url.split('?')[0]!)));

  for (const r of routes) {
    const schema = z.strictObject({ ...r.params, ...expandParam });
    app.route({
      method: r.method,
      url: r.url,
      handler: async (req, reply) => {
        const raw = (r.method === 'POST' ? req.body : req.query) ?? {};
        const apiKey = (req as FastifyRequest & { apiKey: string }).apiKey;
        const headerKey = req.headers['idempotency-key'];
        const idemKey = r.method === 'POST' && typeof headerKey === 'string' ? headerKey : null;
        if (idemKey !== null && (idemKey.length === 0 || idemKey.length > 255)) {
          throw invalidRequest('Idempotency-Key must be between 1 and 255 characters long.', 'Idempotency-Key');
        }
        const idemStoreKey = idemKey === null ? null : `${apiKey}\u0000${idemKey}`;
        const print = fingerprint(r.method, req.url.split('?')[0]!, raw);
        if (idemStoreKey) {
          const previous = emu.store.idempotencyRecord(idemStoreKey);
          if (previous) {
            if (previous.fingerprint !== print) {
              throw new StripeApiError(400, {
                type: 'idempotency_error',
                message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idemKey}' if you meant to execute a different request.`,
              });
            }
            return reply.code(previous.status).header('Idempotent-Replayed', 'true').send(previous.body);
          }
        }
        const remember = async (status: number, body: unknown): Promise<void> => {
          if (!idemStoreKey) return;
          emu.store.idempotency.set(idemStoreKey, { method: r.method, path: req.url, fingerprint: print, status, body, createdAt: Date.now() });
        };

        const injected = faults.take(r.method, req.url.split('?')[0]!);
        // A lost answer: the request is carried out below, then the connection dropped.
        const lose = injected?.phase === 'lost';
        if (injected && !lose) {
          const err = new StripeApiError(injected.status, {
            type: injected.type ?? errorTypeForStatus(injected.status),
            code: injected.code,
            message: injected.message ?? `Injected fault: ${r.method} ${req.url.split('?')[0]} answered ${injected.status}.`,
          });
          // Only a request the endpoint began keeps its answer under its Idempotency-Key.
          if (injected.phase === 'failed') {
            await remember(err.status, err.toJSON());
            await persister.flush();
          }
          return sendError(reply, err);
        }

        // A request that fails validation keeps nothing: its idempotency key can be used again.
        const params = parseParams(schema, raw) as Record<string, unknown>;
        checkExpandPaths(params.expand as string[] | undefined);
        parts.beforeRequest?.();
        const request = { id: req.id, idempotency_key: idemKey };
        const expand = params.expand as string[] | undefined;
        // Whether `expand` can be served is only known once the handler has made its changes. A
        // change answered with an expansion error must not stay (nor be told to webhooks): such
        // requests run against a snapshot they are rolled back to.
        const snapshot = r.method !== 'GET' && expand?.length ? emu.store.serialize() : null;
        if (snapshot) emu.events.hold();
        let result: HandlerResult;
        try {
          result = r.handler({ params, path: req.params as Record<string, string>, request, emu });
        } catch (err) {
          // The handler's own errors keep what it did (a declined card leaves its objects behind).
          if (snapshot) emu.events.release(true);
          if (err instanceof StripeApiError && err.status !== 400 && err.status !== 404) {
            await remember(err.status, err.toJSON());
          }
          if (r.method !== 'GET') await persister.flush();
          throw err;
        }
        const status = 'status' in result && 'body' in result && typeof result.status === 'number' ? result.status : 200;
        const stored = ('body' in result && typeof result.status === 'number' ? result.body : result) as StripeObject;
        let body: StripeObject;
        try {
          body = applyExpand(structuredClone(stored), expand, emu.store, includables);
        } catch (err) {
          if (snapshot) {
            emu.store.load(snapshot, 'the state before this request');
            emu.events.release(false);
          }
          throw err;
        }
        if (snapshot) emu.events.release(true);
        await remember(status, body);
        if (r.method !== 'GET') await persister.flush();
        if (lose) {
          reply.hijack();
          req.raw.socket.destroy();
          return;
        }
        return reply.code(status).send(body);
      },
    });
  }

  parts.pages(app);
  parts.control(app);
  return app;
}
