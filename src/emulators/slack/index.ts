/**
 * The local Slack: a stand-in for Slack's Web API that the official `@slack/web-api` client
 * talks to with `new WebClient(token, { slackApiUrl: apiUrl })`, a page showing each channel as
 * a person sees it, and the /_emulator control API. Start it with `startSlackEmulator()`, or
 * from the command line with `canary slack-emulator`.
 */
import { z } from 'zod';
import { controlRoutes } from './control.ts';
import { Faults } from './faults.ts';
import type { MethodContext } from './methods.ts';
import { pageRoutes } from './page.ts';
import { buildServer } from './server.ts';
import { Workspace } from './store.ts';
import { DEFAULT_USERS, issuePath, parseUsers, type SlackUser } from './users.ts';

export type { SlackUser } from './users.ts';
export { readUsersFile } from './users.ts';
export type { MessageRecord } from './control.ts';
export { IDENTITY } from './methods.ts';

import { DEFAULT_PORT } from './defaults.ts';

export { DEFAULT_PORT };

export interface SlackEmulatorOptions {
  /** 0 picks a free port. Default 12112. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The workspace's people (for users.lookupByEmail and mentions). Default: three example users. */
  users?: SlackUser[];
  /** The bot tokens the workspace issued. Default: any token starting `xoxb-`. */
  tokens?: string[];
}

export interface RunningSlackEmulator {
  /** `http://host:port`: the page, the control API, uploads and files. */
  url: string;
  /** `url + '/api/'`: what `slackApiUrl` takes. */
  apiUrl: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

const optionsSchema = z.strictObject({
  port: z.number().int().min(0).max(65535).optional(),
  host: z.string().min(1).optional(),
  users: z.unknown().optional(),
  tokens: z.array(z.string().min(1, { error: 'must not be empty' })).optional(),
});

/** The options, checked up front: a wrong one is named with the value given. */
function checkOptions(options: SlackEmulatorOptions): Required<Pick<SlackEmulatorOptions, 'port' | 'host'>> & { users: SlackUser[]; tokens?: string[] } {
  const result = optionsSchema.safeParse(options);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
    const message = issue.code === 'unrecognized_keys' ? 'is not an option (port, host, users, tokens)' : issue.message;
    throw new Error(`startSlackEmulator: ${issuePath(path).replace(/^\./, '')} ${message}`);
  }
  let users: SlackUser[];
  try {
    users = options.users === undefined ? [...DEFAULT_USERS] : parseUsers(options.users);
  } catch (err) {
    throw new Error(`startSlackEmulator: ${(err as Error).message}`);
  }
  return { port: options.port ?? DEFAULT_PORT, host: options.host ?? '127.0.0.1', users, tokens: options.tokens };
}

export async function startSlackEmulator(options: SlackEmulatorOptions = {}): Promise<RunningSlackEmulator> {
  const { port: wanted, host, users, tokens } = checkOptions(options);
  const ws = new Workspace();
  const faults = new Faults();
  let baseUrl = '';
  const ctx: MethodContext = { ws, users, baseUrl: () => baseUrl };
  const issued = tokens ? new Set(tokens) : null;
  const app = await buildServer({
    ctx,
    faults,
    validToken: (token) => (issued ? issued.has(token) : token.startsWith('xoxb-') && token.length > 'xoxb-'.length),
    control: controlRoutes(ws, faults, () => baseUrl),
    page: pageRoutes(ws, users),
  });

  try {
    await app.listen({ port: wanted, host });
  } catch (err) {
    await app.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : wanted;
  baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url: baseUrl,
    apiUrl: `${baseUrl}/api/`,
    host,
    port,
    close: () => app.close(),
  };
}
