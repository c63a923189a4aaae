/**
 * Talking to Slack with the official `@slack/web-api` client: a few bounded retries within about
 * a minute (the client's default is ten over half an hour), 429s waited out as `Retry-After`
 * says; who to mention (a user id, or an email looked up with `users.lookupByEmail`, else the name
 * without a mention; the on-call user or user group); posting into a thread; and the screenshot
 * uploaded with `filesUploadV2` into the alert's thread.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LogLevel, WebClient } from '@slack/web-api';
import type { Block } from './message.ts';
import type { Who } from './message.ts';

export interface SlackTarget {
  token: string;
  channel: string;
  /** Another server (the Slack emulator), as the client's `slackApiUrl`, e.g. http://127.0.0.1:12112/api/. */
  apiUrl?: string;
}

/** `quick`: one try within 10 s, for a check that must answer at once (`canary doctor`). */
export function slackClient(target: SlackTarget, options: { quick?: boolean } = {}): WebClient {
  return new WebClient(target.token, {
    ...(target.apiUrl && { slackApiUrl: target.apiUrl.endsWith('/') ? target.apiUrl : `${target.apiUrl}/` }),
    retryConfig: options.quick ? { retries: 0 } : { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 5_000, randomize: true, maxRetryTime: 60_000 },
    rejectRateLimitedCalls: options.quick === true,
    timeout: options.quick ? 10_000 : 15_000,
    logLevel: LogLevel.ERROR,
    logger: { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => LogLevel.ERROR, setName() {} },
  });
}

/** Who should look: the deployer for post-deploy runs, the on-call for scheduled ones. */
export async function resolveWho(client: WebClient | null, trigger: string, people: { deployer?: string | null; oncall?: string }): Promise<Who | null> {
  if (trigger === 'schedule' && people.oncall) {
    const id = people.oncall;
    const mention = /^S[A-Z0-9]+$/.test(id) ? `<!subteam^${id}>` : /^[UW][A-Z0-9]+$/.test(id) ? `<@${id}>` : null;
    return { mention, label: id, role: 'on-call' };
  }
  const deployer = people.deployer;
  if (!deployer) return null;
  if (/^[UW][A-Z0-9]+$/.test(deployer)) return { mention: `<@${deployer}>`, label: deployer, role: 'deployer' };
  if (client && /^[^@\s]+@[^@\s]+$/.test(deployer)) {
    try {
      const found = await client.users.lookupByEmail({ email: deployer });
      if (found.user?.id) return { mention: `<@${found.user.id}>`, label: deployer, role: 'deployer' };
    } catch {
      // Unknown to Slack, or no users:read.email scope: the name without a mention.
    }
  }
  return { mention: null, label: deployer, role: 'deployer' };
}

export async function postMessage(
  client: WebClient,
  channel: string,
  message: { text: string; blocks: Block[] },
  thread: { ts: string; broadcast: boolean } | null,
): Promise<string> {
  const base = { channel, text: message.text, blocks: message.blocks as never, unfurl_links: false, unfurl_media: false };
  const res = await client.chat.postMessage(thread ? { ...base, thread_ts: thread.ts, reply_broadcast: thread.broadcast } : base);
  if (!res.ts) throw new Error(`chat.postMessage answered no ts for channel ${channel}`);
  return res.ts;
}

export async function uploadScreenshot(client: WebClient, channel: string, threadTs: string, file: string, title: string): Promise<void> {
  await client.filesUploadV2({ channel_id: channel, thread_ts: threadTs, file: readFileSync(file), filename: path.basename(file), title });
}
