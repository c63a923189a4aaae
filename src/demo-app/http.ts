/** What every route module answers with: a refusal with its status, a parsed JSON body, a page. */
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';

/** A refusal the error handler answers with its own status and message. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** `body` checked against `schema`, or a 400 naming `what` and the first problem's path. */
export function parseJson<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const r = schema.safeParse(body ?? {});
  if (!r.success) {
    const first = r.error.issues[0]!;
    // A bad record key is reported as "Invalid key in record"; its own issue says what is wrong.
    const issue = first.code === 'invalid_key' ? { path: first.path, message: first.issues[0]?.message ?? first.message } : first;
    throw new HttpError(400, `Invalid ${what}${issue.path.length ? ` at ${issue.path.join('.')}` : ''}: ${issue.message}`);
  }
  return r.data;
}

export const html = (reply: FastifyReply, body: string, status = 200) => reply.code(status).type('text/html; charset=utf-8').send(body);
