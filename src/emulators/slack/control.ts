/**
 * The control API under /_emulator (emulator only, no auth): what was posted, injected faults,
 * reset, health. Its errors are `{ ok: false, error, message }` with a 4xx status.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { type Faults, faultSchema } from './faults.ts';
import { isChannelId, type StoredMessage, type Workspace } from './store.ts';
import { issuePath } from './users.ts';

/** A message as a test reads it back: what a person would see, in the order it was posted. */
export function messageRecord(m: StoredMessage, ws: Workspace, baseUrl: string) {
  return {
    channel: m.channel,
    ts: m.ts,
    thread_ts: m.thread_ts,
    text: m.text,
    blocks: m.blocks,
    reply_broadcast: m.reply_broadcast,
    files: m.files.flatMap((id) => {
      const f = ws.file(id);
      return f ? [{ id: f.id, name: f.name, title: f.title, mimetype: f.mimetype, size: f.bytes?.length ?? 0, url: `${baseUrl}/files/${f.id}` }] : [];
    }),
    unfurl_links: m.unfurl_links,
    unfurl_media: m.unfurl_media,
    edited_ts: m.edited_ts,
  };
}

export type MessageRecord = ReturnType<typeof messageRecord>;

const refuse = (reply: FastifyReply, status: number, error: string, message: string) => reply.code(status).send({ ok: false, error, message });

export function controlRoutes(ws: Workspace, faults: Faults, baseUrl: () => string) {
  return (app: FastifyInstance): void => {
    app.get('/_emulator/health', async () => ({ ok: true }));

    app.get('/_emulator/messages', async (req, reply) => {
      const { channel } = req.query as { channel?: unknown };
      if (channel !== undefined && (typeof channel !== 'string' || !isChannelId(channel))) {
        return refuse(reply, 400, 'invalid_channel', `channel must be a channel id such as C0123ABCD (got ${JSON.stringify(channel)})`);
      }
      return ws.list(channel).map((m) => messageRecord(m, ws, baseUrl()));
    });

    app.get('/_emulator/faults', async () => faults.view());
    app.post('/_emulator/faults', async (req, reply) => {
      let body: unknown = {};
      if (req.body instanceof Buffer && req.body.length > 0) {
        try {
          body = JSON.parse(req.body.toString('utf8'));
        } catch {
          return refuse(reply, 400, 'invalid_json', 'the faults body must be JSON, e.g. {"status": 429, "retry_after": 2, "rate": 1}');
        }
      }
      const result = faultSchema.safeParse(body);
      if (!result.success) {
        const issue = result.error.issues[0]!;
        const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
        const where = issuePath(path).replace(/^\./, '');
        return refuse(reply, 400, 'invalid_fault', `Invalid faults body${where ? ` at ${where}` : ''}: ${issue.message}`);
      }
      faults.set(result.data);
      return faults.view();
    });
    app.delete('/_emulator/faults', async () => {
      faults.clear();
      return faults.view();
    });

    // Whether the bot is a member of a channel (it is of every channel unless taken out here).
    app.get('/_emulator/channels/:id', async (req, reply) => {
      const { id } = req.params as { id: string };
      if (!isChannelId(id)) return refuse(reply, 400, 'invalid_channel', `the channel must be a channel id such as C0123ABCD (got ${JSON.stringify(id)})`);
      return { id, member: ws.isMember(id) };
    });
    app.post('/_emulator/channels/:id', async (req, reply) => {
      const { id } = req.params as { id: string };
      if (!isChannelId(id)) return refuse(reply, 400, 'invalid_channel', `the channel must be a channel id such as C0123ABCD (got ${JSON.stringify(id)})`);
      let body: unknown;
      try {
        body = req.body instanceof Buffer && req.body.length > 0 ? JSON.parse(req.body.toString('utf8')) : {};
      } catch {
        return refuse(reply, 400, 'invalid_json', 'the body must be JSON, e.g. {"member": false}');
      }
      const member = (body as { member?: unknown }).member;
      if (typeof member !== 'boolean') return refuse(reply, 400, 'invalid_member', `member must be true or false (got ${JSON.stringify(member)})`);
      ws.setMember(id, member);
      return { id, member };
    });

    app.post('/_emulator/reset', async () => {
      ws.clear();
      faults.clear();
      return { ok: true };
    });
  };
}
