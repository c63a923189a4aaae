/** Test helper: an emulator on a free port, the official client pointed at it, and the control API. */
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { type Logger, LogLevel, WebClient, type WebClientOptions } from '@slack/web-api';
import { startSlackEmulator, type MessageRecord, type RunningSlackEmulator, type SlackEmulatorOptions } from '../index.ts';

/** The client logs Slack's `[ERROR]` explanations and warnings itself; tests read them from the errors instead. */
export const silent: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};

export const TOKEN = 'xoxb-canary-tests';

/** A 1×1 PNG. */
export const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

export interface TestSlack {
  emulator: RunningSlackEmulator;
  /** A client with no retries, so errors surface at once. */
  slack: WebClient;
  client(options?: WebClientOptions, token?: string): WebClient;
  control(method: string, path: string, body?: unknown): Promise<{ status: number; headers: Headers; body: any }>;
  messages(channel?: string): Promise<MessageRecord[]>;
  /** GET a path of the emulator (the page, a file). */
  get(path: string): Promise<Response>;
}

/** An emulator for one test, closed when the test ends (whatever happens in it). */
export async function startTestSlack(t: TestContext, options: SlackEmulatorOptions = {}): Promise<TestSlack> {
  const emulator = await startSlackEmulator({ port: 0, ...options });
  t.after(() => emulator.close());
  const client = (extra: WebClientOptions = {}, token = TOKEN) =>
    new WebClient(token, { slackApiUrl: emulator.apiUrl, logger: silent, retryConfig: { retries: 0 }, ...extra });
  const control = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(emulator.url + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  };
  return {
    emulator,
    slack: client(),
    client,
    control,
    messages: async (channel) => (await control('GET', `/_emulator/messages${channel ? `?channel=${channel}` : ''}`)).body,
    get: (path) => fetch(emulator.url + path),
  };
}

/** The `{ok: false, …}` answer a call was refused with (failing if it succeeded or failed otherwise). */
export async function refusal(call: Promise<unknown>): Promise<{ ok: false; error: string; errors?: string[]; [key: string]: unknown }> {
  try {
    await call;
  } catch (err) {
    const e = err as Error & { code?: string; data?: any };
    assert.equal(e.code, 'slack_webapi_platform_error', `expected a platform error, got ${e.code}: ${e.message}`);
    return e.data;
  }
  assert.fail('the call succeeded; a refusal was expected');
}
