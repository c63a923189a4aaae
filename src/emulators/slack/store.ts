/**
 * The workspace's state, in memory: every message posted (thread replies included, in the order
 * they were posted) and every file uploaded. Channels are not created: any id Slack would give a
 * channel (`C…` public, `G…` private) exists and starts empty, with the bot in it unless the
 * control API took it out (then posting there is Slack's `not_in_channel`).
 */
import type { Block } from './blocks.ts';
import { slackId, TsClock } from './ids.ts';

export interface StoredFile {
  id: string;
  /** The filename given to files.getUploadURLExternal. */
  name: string;
  title: string;
  /** The length declared to files.getUploadURLExternal. */
  declaredLength: number;
  altText: string | null;
  /** Null until the bytes are POSTed to the upload URL. */
  bytes: Buffer | null;
  mimetype: string;
  filetype: string;
  created: number;
  /** Set by files.completeUploadExternal. */
  completed: boolean;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  /** The parent's ts for a thread reply; null for a message in the channel itself. */
  thread_ts: string | null;
  user: string;
  bot_id: string;
  text: string;
  blocks: Block[] | null;
  reply_broadcast: boolean;
  files: string[];
  unfurl_links: boolean | null;
  unfurl_media: boolean | null;
  /** The ts of the last chat.update, if any. */
  edited_ts: string | null;
}

export const isChannelId = (id: string): boolean => /^[CG][A-Z0-9]{2,}$/.test(id);

export class Workspace {
  private readonly clock = new TsClock();
  private messages: StoredMessage[] = [];
  private files = new Map<string, StoredFile>();
  /** Channels the bot is not a member of. */
  private outside = new Set<string>();

  isMember(channel: string): boolean {
    return !this.outside.has(channel);
  }

  setMember(channel: string, member: boolean): void {
    if (member) this.outside.delete(channel);
    else this.outside.add(channel);
  }

  nextTs(): string {
    return this.clock.next();
  }

  add(message: StoredMessage): StoredMessage {
    this.messages.push(message);
    return message;
  }

  find(channel: string, ts: string): StoredMessage | undefined {
    return this.messages.find((m) => m.channel === channel && m.ts === ts);
  }

  /** The channel's messages in the order they were posted, or every message when `channel` is omitted. */
  list(channel?: string): StoredMessage[] {
    return channel === undefined ? [...this.messages] : this.messages.filter((m) => m.channel === channel);
  }

  /** Channels with at least one message, in the order of their first message. */
  channels(): string[] {
    return [...new Set(this.messages.map((m) => m.channel))];
  }

  replies(channel: string, threadTs: string): StoredMessage[] {
    return this.messages.filter((m) => m.channel === channel && m.thread_ts === threadTs);
  }

  newFile(name: string, declaredLength: number, altText: string | null): StoredFile {
    const file: StoredFile = {
      id: slackId('F'),
      name,
      title: name,
      declaredLength,
      altText,
      bytes: null,
      mimetype: 'application/octet-stream',
      filetype: 'binary',
      created: Math.floor(Date.now() / 1000),
      completed: false,
    };
    this.files.set(file.id, file);
    return file;
  }

  file(id: string): StoredFile | undefined {
    return this.files.get(id);
  }

  clear(): void {
    this.messages = [];
    this.files.clear();
    this.outside.clear();
  }
}
