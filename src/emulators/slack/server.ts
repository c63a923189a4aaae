/**
 * The emulator's HTTP layer: Slack's transport rules around the methods. A Web API call is
 * `GET|POST /api/<method>` with arguments in the query, a form body or a JSON body; the token
 * comes as `Authorization: Bearer …` (or a `token` argument, except in JSON bodies, where Slack
 * ignores it). Every answer is HTTP 200 with `{ ok, … }`, as Slack's are, except the failures
 * injected through the control API. The upload URLs (`POST /upload/<file id>`, Slack's
 * files.slack.com) and the downloads (`GET /files/<file id>`) live beside it.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { SlackApiError } from './errors.ts';
import type { Faults } from './faults.ts';
import { type Args, METHODS, type MethodContext, UNAUTHENTICATED } from './methods.ts';
import { sniff } from './mime.ts';

export interface ServerParts {
  ctx: MethodContext;
  faults: Faults;
  /** Whether a bot token is one the workspace issued. */
  validToken: (token: string) => boolean;
  control: (app: FastifyInstance) => void;
  page: (app: FastifyInstance) => void;
}

/** Web API bodies (messages, blocks) stay small; uploads may be large. */
const API_BODY_LIMIT = 5 * 1024 * 1024;
const UPLOAD_BODY_LIMIT = 100 * 1024 * 1024;

const contentType = (req: FastifyRequest): string => (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();

function formArgs(text: string): Args {
  return Object.fromEntries(new URLSearchParams(text));
}

/** The call's arguments (query, then body) and the token; throws Slack's errors for bodies it cannot read. */
async function readCall(req: FastifyRequest): Promise<{ args: Args; token: string | undefined }> {
  const query = { ...(req.query as Args) };
  const body = req.body instanceof Buffer ? req.body : undefined;
  let bodyArgs: Args = {};
  let tokenFromBody: string | undefined;
  const type = contentType(req);
  if (body && body.length > 0) {
    if (type === 'application/json') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        throw new SlackApiError('invalid_json');
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SlackApiError('json_not_object');
      // Slack reads the token of a JSON call from the Authorization header only.
      const { token: _ignored, ...rest } = parsed as Args;
      bodyArgs = rest;
    } else if (type === 'application/x-www-form-urlencoded' || type === '') {
      bodyArgs = formArgs(body.toString('utf8'));
      tokenFromBody = typeof bodyArgs.token === 'string' ? bodyArgs.token : undefined;
    } else if (type === 'multipart/form-data') {
      let form: FormData;
      try {
        form = await new Response(body, { headers: { 'content-type': req.headers['content-type']! } }).formData();
      } catch {
        throw new SlackApiError('invalid_form_data');
      }
      form.forEach((value, key) => {
        if (typeof value === 'string') bodyArgs[key] = value;
      });
      tokenFromBody = typeof bodyArgs.token === 'string' ? bodyArgs.token : undefined;
    } else {
      throw new SlackApiError('invalid_post_type');
    }
  }
  const header = req.headers.authorization;
  const bearer = header && /^bearer\s+/i.test(header) ? header.replace(/^bearer\s+/i, '').trim() : undefined;
  const tokenFromQuery = typeof query.token === 'string' ? query.token : undefined;
  const { token: _a, ...queryArgs } = query;
  const { token: _b, ...rest } = bodyArgs;
  return { args: { ...queryArgs, ...rest }, token: bearer || tokenFromBody || tokenFromQuery || undefined };
}

function answer(reply: FastifyReply, body: Record<string, unknown>): FastifyReply {
  return reply.code(200).header('content-type', 'application/json; charset=utf-8').send(body);
}

export async function buildServer(parts: ServerParts): Promise<FastifyInstance> {
  const { ctx, faults } = parts;
  const app = Fastify({ logger: false, bodyLimit: API_BODY_LIMIT, routerOptions: { maxParamLength: 500 } });

  // Bodies are read per route: the Web API by content type, the upload URL as raw bytes.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((error: Error & { statusCode?: number }, req, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (req.url.startsWith('/api/')) {
      // Slack answers an oversized body with 413; anything else it cannot read is a 200 refusal.
      if (status === 413) return reply.code(413).send({ ok: false, error: 'request_too_large' });
      return answer(reply, { ok: false, error: status === 500 ? 'fatal_error' : 'invalid_request', detail: error.message });
    }
    return reply.code(status).send({ ok: false, error: status === 500 ? 'emulator_error' : 'invalid_request', message: error.message });
  });

  app.setNotFoundHandler((req, reply) => reply.code(404).send({ ok: false, error: 'not_found', message: `Nothing at ${req.method} ${req.url.split('?')[0]}` }));

  app.route({
    method: ['GET', 'POST'],
    url: '/api/:method',
    // A HEAD must not run a method (Fastify would run the GET handler for it).
    exposeHeadRoute: false,
    handler: async (req, reply) => {
      const name = (req.params as { method: string }).method;
      const injected = faults.take(name);
      if (injected) {
        if (injected.retryAfter !== null) reply.header('retry-after', String(injected.retryAfter));
        return reply.code(injected.status).header('content-type', 'application/json; charset=utf-8').send(injected.body);
      }
      const method = METHODS[name] ?? UNAUTHENTICATED[name];
      if (!method) return answer(reply, { ok: false, error: 'unknown_method', req_method: name });
      try {
        const { args, token } = await readCall(req);
        if (!UNAUTHENTICATED[name]) {
          if (!token) throw new SlackApiError('not_authed');
          if (!parts.validToken(token)) throw new SlackApiError('invalid_auth');
        }
        return answer(reply, { ok: true, ...method(args, ctx) });
      } catch (err) {
        if (err instanceof SlackApiError) return answer(reply, err.toJSON());
        throw err;
      }
    },
  });

  // The upload URL files.getUploadURLExternal hands out. The official client POSTs the bytes as
  // multipart/form-data (one file part); other clients POST them raw. Either is kept as sent.
  app.post('/upload/:id', { bodyLimit: UPLOAD_BODY_LIMIT }, async (req, reply) => {
    const file = ctx.ws.file((req.params as { id: string }).id);
    // Like Slack's pre-signed URLs, one stops working once its upload is completed.
    if (!file || file.completed) return reply.code(404).type('text/plain').send('Not Found');
    const body = req.body instanceof Buffer ? req.body : Buffer.alloc(0);
    let bytes = body;
    if (contentType(req) === 'multipart/form-data') {
      let form: FormData;
      try {
        form = await new Response(body, { headers: { 'content-type': req.headers['content-type']! } }).formData();
      } catch {
        return reply.code(400).type('text/plain').send('Bad Request - unreadable multipart body');
      }
      let part: File | undefined;
      // The lib in tsconfig has no DOM.Iterable, so FormData is walked with forEach.
      form.forEach((value) => {
        if (!part && typeof value !== 'string') part = value;
      });
      if (!part) return reply.code(400).type('text/plain').send('Bad Request - no file part in the multipart body');
      bytes = Buffer.from(await (part as File).arrayBuffer());
    }
    file.bytes = bytes;
    Object.assign(file, sniff(bytes));
    return reply.code(200).type('text/plain; charset=utf-8').send(`OK - ${bytes.length}`);
  });

  app.get('/files/:id', async (req, reply) => {
    const file = ctx.ws.file((req.params as { id: string }).id);
    if (!file?.bytes) return reply.code(404).type('text/plain').send('Not Found');
    return reply
      .code(200)
      .header('content-type', file.mimetype)
      .header('content-disposition', `inline; filename="${file.name.replace(/[^\w.-]/g, '_')}"`)
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'none'")
      .send(file.bytes);
  });

  parts.page(app);
  parts.control(app);
  return app;
}
