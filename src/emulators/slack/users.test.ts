// The users file of `canary slack-emulator --users FILE`: read, parsed, and every mistake named
// with the file, the entry and the field.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readUsersFile } from './index.ts';

function fileWith(t: TestContext, content: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'slack-users-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'users.json');
  writeFileSync(file, content);
  return file;
}

test('a users file with valid users is read', (t) => {
  const users = [
    { id: 'U0ONCALL01', name: 'oncall', real_name: 'On Call', email: 'oncall@acme.test' },
    { id: 'W0GRID0001', name: 'grid', email: 'grid@acme.test' },
  ];
  assert.deepEqual(readUsersFile(fileWith(t, JSON.stringify(users))), users);
});

test('a users file that cannot be used is refused with a message naming the file and what is wrong', (t) => {
  const missing = path.join(tmpdir(), 'no-such-dir-for-slack-users', 'users.json');
  assert.throws(() => readUsersFile(missing), { message: new RegExp(`^cannot read the users file ${missing.replace(/[.\\/]/g, '\\$&')}: ENOENT`) });

  const cases: [string, RegExp][] = [
    ['[{"id": ', /^the users file .*users\.json is not valid JSON: /],
    ['{"id": "U0A1"}', /^the users file .*users\.json is wrong: users must be a JSON array of users/],
    ['[{"id": "U0A1", "name": "a"}]', /is wrong: users\[0\]\.email is required: an email address$/],
    [
      '[{"id": "U0A1", "name": "a", "email": "a@x.test"}, {"id": "bob", "name": "b", "email": "b@x.test"}]',
      /users\[1\]\.id must be a Slack user id.*\(got "bob"\)$/,
    ],
    ['[{"id": "U0A1", "name": "a", "email": "a@x.test", "admin": true}]', /users\[0\]\.admin is not a field of a user \(id, name, real_name, email\)$/],
    [
      '[{"id": "U0A1", "name": "a", "email": "a@x.test"}, {"id": "U0A1", "name": "b", "email": "b@x.test"}]',
      /users\[1\]\.id is a duplicate: another user has id 'U0A1'/,
    ],
  ];
  for (const [content, message] of cases) assert.throws(() => readUsersFile(fileWith(t, content)), { message }, content);
});
