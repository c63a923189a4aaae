/**
 * The Web API methods the emulator serves, each a function from the call's arguments to the
 * fields of its `{ ok: true, … }` answer, throwing `SlackApiError` for Slack's refusals. The
 * arguments arrive as Slack takes them: strings from a query or a form body, any JSON value from
 * a JSON body.
 */
import { type Block, parseBlocks } from './blocks.ts';
import { invalidArguments, SlackApiError } from './errors.ts';
import { isChannelId, type StoredFile, type StoredMessage, type Workspace } from './store.ts';
import type { SlackUser } from './users.ts';

/** Who the bot token belongs to: fixed, so tests and mentions can name them. */
export const IDENTITY = {
  team: { id: 'T0CANARY00', name: 'Canary' },
  bot: { user_id: 'U0CANARYBOT', name: 'canary-bot', bot_id: 'B0CANARYBOT', app_id: 'A0CANARYAPP' },
} as const;

/** The longest `text` Slack takes; longer is `msg_too_long`. */
export const MAX_TEXT = 40_000;

export interface MethodContext {
  ws: Workspace;
  users: readonly SlackUser[];
  baseUrl: () => string;
}

export type Args = Record<string, unknown>;
export type Method = (args: Args, ctx: MethodContext) => Record<string, unknown>;

function str(args: Args, key: string): string | undefined {
  const v = args[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw invalidArguments(`${key} must be a string`);
}

function bool(args: Args, key: string): boolean | null {
  const v = args[key];
  if (v === undefined || v === null || v === '') return null;
  if (v === true || v === 'true' || v === '1' || v === 1) return true;
  if (v === false || v === 'false' || v === '0' || v === 0) return false;
  throw invalidArguments(`${key} must be a boolean`);
}

function channelArg(args: Args, key = 'channel'): string {
  const channel = str(args, key);
  if (!channel || !isChannelId(channel)) throw new SlackApiError('channel_not_found');
  return channel;
}

/** A channel the bot posts to: it must be a member (a bot with chat:write, without chat:write.public). */
function postableChannel(args: Args, ws: Workspace, key = 'channel'): string {
  const channel = channelArg(args, key);
  if (!ws.isMember(channel)) throw new SlackApiError('not_in_channel');
  return channel;
}

/** The ts of the thread a reply goes in: a reply's ts names its parent's thread, as in Slack. */
function threadOf(ws: Workspace, channel: string, threadTs: string | undefined): string | null {
  if (!threadTs) return null;
  const parent = ws.find(channel, threadTs);
  if (!parent) throw new SlackApiError('thread_not_found');
  return parent.thread_ts ?? parent.ts;
}

function checkText(text: string): void {
  if (text.length > MAX_TEXT) throw new SlackApiError('msg_too_long');
}

export function apiFile(file: StoredFile, ctx: MethodContext): Record<string, unknown> {
  const url = `${ctx.baseUrl()}/files/${file.id}`;
  return {
    id: file.id,
    created: file.created,
    timestamp: file.created,
    name: file.name,
    title: file.title,
    mimetype: file.mimetype,
    filetype: file.filetype,
    user: IDENTITY.bot.user_id,
    size: file.bytes?.length ?? 0,
    mode: 'hosted',
    is_external: false,
    is_public: false,
    url_private: url,
    url_private_download: url,
    permalink: url,
    ...(file.altText ? { alt_txt: file.altText } : {}),
  };
}

/** A message as the Web API shows it (`message` in chat.postMessage's answer). */
export function apiMessage(m: StoredMessage, ctx: MethodContext): Record<string, unknown> {
  const parent = m.thread_ts ? ctx.ws.find(m.channel, m.thread_ts) : undefined;
  return {
    type: 'message',
    ...(m.reply_broadcast ? { subtype: 'thread_broadcast' } : {}),
    text: m.text,
    user: m.user,
    bot_id: m.bot_id,
    app_id: IDENTITY.bot.app_id,
    team: IDENTITY.team.id,
    bot_profile: { id: IDENTITY.bot.bot_id, app_id: IDENTITY.bot.app_id, name: IDENTITY.bot.name, team_id: IDENTITY.team.id, deleted: false },
    ts: m.ts,
    ...(m.blocks ? { blocks: m.blocks } : {}),
    ...(m.thread_ts ? { thread_ts: m.thread_ts, parent_user_id: parent?.user } : {}),
    ...(m.files.length > 0
      ? { files: m.files.map((id) => ctx.ws.file(id)).flatMap((f) => (f ? [apiFile(f, ctx)] : [])), upload: true, display_as_bot: false }
      : {}),
    ...(m.edited_ts ? { edited: { user: m.user, ts: m.edited_ts } } : {}),
  };
}

function post(
  ctx: MethodContext,
  fields: { channel: string; text: string; blocks: Block[] | null; thread_ts: string | null; reply_broadcast: boolean; files?: string[] } & Partial<
    Pick<StoredMessage, 'unfurl_links' | 'unfurl_media'>
  >,
): StoredMessage {
  return ctx.ws.add({
    unfurl_links: null,
    unfurl_media: null,
    ...fields,
    files: fields.files ?? [],
    ts: ctx.ws.nextTs(),
    user: IDENTITY.bot.user_id,
    bot_id: IDENTITY.bot.bot_id,
    edited_ts: null,
  });
}

/** Slack accepts blocks without `text`, but warns: the text is what notifications and screen readers use. */
const missingTextWarning = (text: string, blocks: Block[] | null) =>
  !text && blocks?.length
    ? { warning: 'missing_text_or_fallback_or_attachments', response_metadata: { warnings: ['missing_text_or_fallback_or_attachments'] } }
    : {};

function user(u: SlackUser): Record<string, unknown> {
  const realName = u.real_name ?? u.name;
  return {
    id: u.id,
    team_id: IDENTITY.team.id,
    name: u.name,
    deleted: false,
    real_name: realName,
    tz: 'Etc/UTC',
    is_admin: false,
    is_owner: false,
    is_bot: false,
    is_app_user: false,
    profile: {
      email: u.email,
      real_name: realName,
      real_name_normalized: realName,
      display_name: u.name,
      display_name_normalized: u.name,
      team: IDENTITY.team.id,
    },
  };
}

function parseFilesArg(raw: unknown): { id: string; title?: string }[] {
  if (raw === undefined || raw === null || raw === '') throw invalidArguments('missing required field: files');
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw invalidArguments('files must be a JSON array of {"id", "title"} objects');
    }
  }
  const valid =
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((f) => typeof f === 'object' && f !== null && typeof f.id === 'string' && (f.title === undefined || typeof f.title === 'string'));
  if (!valid) throw invalidArguments('files must be a JSON array of {"id", "title"} objects');
  return value as { id: string; title?: string }[];
}

export const METHODS: Record<string, Method> = {
  'auth.test': (_args, ctx) => ({
    url: `${ctx.baseUrl()}/`,
    team: IDENTITY.team.name,
    user: IDENTITY.bot.name,
    team_id: IDENTITY.team.id,
    user_id: IDENTITY.bot.user_id,
    bot_id: IDENTITY.bot.bot_id,
    is_enterprise_install: false,
  }),

  'conversations.info': (args, ctx) => {
    const channel = channelArg(args);
    const isPrivate = channel.startsWith('G');
    return {
      channel: {
        id: channel,
        name: channel.toLowerCase(),
        is_channel: !isPrivate,
        is_group: isPrivate,
        is_private: isPrivate,
        is_archived: false,
        is_member: ctx.ws.isMember(channel),
      },
    };
  },

  'chat.postMessage': (args, ctx) => {
    const channel = postableChannel(args, ctx.ws);
    const text = str(args, 'text') ?? '';
    const blocks = parseBlocks(args.blocks);
    if (!text && !blocks?.length) throw new SlackApiError('no_text');
    checkText(text);
    const threadTs = threadOf(ctx.ws, channel, str(args, 'thread_ts'));
    const message = post(ctx, {
      channel,
      text,
      blocks: blocks?.length ? blocks : null,
      thread_ts: threadTs,
      reply_broadcast: threadTs !== null && bool(args, 'reply_broadcast') === true,
      unfurl_links: bool(args, 'unfurl_links'),
      unfurl_media: bool(args, 'unfurl_media'),
    });
    return { channel, ts: message.ts, message: apiMessage(message, ctx), ...missingTextWarning(text, message.blocks) };
  },

  'chat.update': (args, ctx) => {
    const channel = postableChannel(args, ctx.ws);
    const ts = str(args, 'ts');
    const message = ts ? ctx.ws.find(channel, ts) : undefined;
    if (!message) throw new SlackApiError('message_not_found');
    const text = str(args, 'text');
    const blocks = parseBlocks(args.blocks);
    if (!text && !blocks?.length) throw new SlackApiError('no_text');
    if (text !== undefined) {
      checkText(text);
      message.text = text;
    }
    // As in Slack: blocks left out are kept; an empty array removes them.
    if (blocks !== null) message.blocks = blocks.length ? blocks : null;
    message.edited_ts = ctx.ws.nextTs();
    return { channel, ts: message.ts, text: message.text, message: apiMessage(message, ctx), ...missingTextWarning(message.text, message.blocks) };
  },

  'users.lookupByEmail': (args, ctx) => {
    const email = str(args, 'email');
    if (!email) throw invalidArguments('missing required field: email');
    const found = ctx.users.find((u) => u.email.toLowerCase() === email.toLowerCase());
    if (!found) throw new SlackApiError('users_not_found');
    return { user: user(found) };
  },

  'files.getUploadURLExternal': (args, ctx) => {
    const filename = str(args, 'filename');
    if (!filename) throw invalidArguments('missing required field: filename');
    const length = str(args, 'length');
    if (length === undefined || length === '') throw invalidArguments('missing required field: length');
    if (!/^\d{1,15}$/.test(length)) throw invalidArguments(`length must be a whole number of bytes (got '${length}')`);
    const file = ctx.ws.newFile(filename, Number(length), str(args, 'alt_text') ?? str(args, 'alt_txt') ?? null);
    return { upload_url: `${ctx.baseUrl()}/upload/${file.id}`, file_id: file.id };
  },

  'files.completeUploadExternal': (args, ctx) => {
    const entries = parseFilesArg(args.files);
    const files = entries.map((entry) => {
      const file = ctx.ws.file(entry.id);
      // A file whose bytes never reached its upload URL cannot be completed.
      if (!file?.bytes) throw new SlackApiError('file_not_found');
      return { file, title: entry.title };
    });
    const channelsArg = str(args, 'channels');
    if (channelsArg?.includes(',')) throw invalidArguments('channels takes one channel; share in each channel separately');
    const channelId = str(args, 'channel_id') || channelsArg || undefined;
    const channel = channelId === undefined ? null : postableChannel({ channel: channelId }, ctx.ws);
    const threadArg = str(args, 'thread_ts');
    if (threadArg && channel === null) throw invalidArguments('thread_ts needs channel_id');
    const threadTs = channel === null ? null : threadOf(ctx.ws, channel, threadArg);
    const comment = str(args, 'initial_comment') ?? '';
    checkText(comment);
    // As documented: blocks are ignored when initial_comment is given.
    const blocks = comment ? null : parseBlocks(args.blocks);
    for (const { file, title } of files) {
      file.title = title || file.name;
      file.completed = true;
    }
    const shared =
      channel === null
        ? null
        : post(ctx, {
            channel,
            text: comment,
            blocks: blocks?.length ? blocks : null,
            thread_ts: threadTs,
            reply_broadcast: false,
            files: files.map(({ file }) => file.id),
          });
    const shares = shared
      ? { [channel!.startsWith('G') ? 'private' : 'public']: { [channel!]: [{ ts: shared.ts, ...(threadTs ? { thread_ts: threadTs } : {}) }] } }
      : {};
    return { files: files.map(({ file }) => ({ ...apiFile(file, ctx), shares, channels: channel ? [channel] : [] })) };
  },
};

/** Methods that answer without a token, as in Slack. */
export const UNAUTHENTICATED: Record<string, Method> = {
  'api.test': (args) => ({ args }),
};
