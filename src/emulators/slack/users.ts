/**
 * The workspace's people: who `users.lookupByEmail` finds and whom `<@U…>` mentions name on the
 * page. Given as options, or as a JSON file for `canary slack-emulator --users FILE`.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export interface SlackUser {
  /** `U…` or `W…` (Enterprise Grid), as Slack issues them. */
  id: string;
  /** The handle, shown as `@name`. */
  name: string;
  real_name?: string;
  email: string;
}

export const slackUserSchema = z.strictObject({
  id: z
    .string({ error: 'is required: a string' })
    .regex(/^[UW][A-Z0-9]{2,}$/, { error: "must be a Slack user id: U or W then capitals and digits, e.g. 'U0CANARY01'" }),
  name: z.string({ error: 'is required: a string' }).min(1, { error: 'must not be empty' }).max(80, { error: 'must be at most 80 characters' }),
  real_name: z.string({ error: 'must be a string' }).max(200, { error: 'must be at most 200 characters' }).optional(),
  email: z.email({ error: (iss) => (iss.input === undefined ? 'is required: an email address' : 'must be an email address') }),
});

export const slackUsersSchema = z.array(slackUserSchema, { error: 'must be a JSON array of users {id, name, real_name?, email}' }).superRefine((users, ctx) => {
  const seen = { id: new Set<string>(), email: new Set<string>() };
  users.forEach((u, i) => {
    for (const key of ['id', 'email'] as const) {
      const value = key === 'email' ? u.email.toLowerCase() : u.id;
      if (seen[key].has(value)) ctx.addIssue({ code: 'custom', path: [i, key], message: `is a duplicate: another user has ${key} '${u[key]}'` });
      seen[key].add(value);
    }
  });
});

/** The people of a workspace started without `users`. */
export const DEFAULT_USERS: readonly SlackUser[] = [
  { id: 'U0CANARY01', name: 'alice', real_name: 'Alice Oncall', email: 'alice@example.com' },
  { id: 'U0CANARY02', name: 'bob', real_name: 'Bob Billing', email: 'bob@example.com' },
  { id: 'U0CANARY03', name: 'carol', real_name: 'Carol Checkout', email: 'carol@example.com' },
];

/** `[1].email` for the path of an issue, so a message names the entry and field that is wrong. */
export function issuePath(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
}

/** Validated users, or an Error naming the first entry and field that is wrong and the value given. */
export function parseUsers(value: unknown, what = 'users'): SlackUser[] {
  const result = slackUsersSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const unknownKey = issue.code === 'unrecognized_keys';
  const path = unknownKey ? [...issue.path, issue.keys[0]!] : issue.path;
  const message = unknownKey ? 'is not a field of a user (id, name, real_name, email)' : issue.message;
  let got = value as unknown;
  for (const key of path) got = (got as Record<PropertyKey, unknown> | undefined)?.[key];
  const shown = got === undefined || unknownKey ? '' : ` (got ${JSON.stringify(got)?.slice(0, 80)})`;
  throw new Error(`${what}${issuePath(path)} ${message}${shown}`);
}

/** The users of a `--users FILE`: an Error that names the file says what is wrong with it. */
export function readUsersFile(file: string): SlackUser[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the users file ${file}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`the users file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  try {
    return parseUsers(value);
  } catch (err) {
    throw new Error(`the users file ${file} is wrong: ${(err as Error).message}`);
  }
}
