// File uploads as the official client's filesUploadV2 does them: files.getUploadURLExternal,
// the bytes POSTed to the upload URL, files.completeUploadExternal sharing into a channel or thread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PNG, refusal, startTestSlack, TOKEN } from './testing/client.ts';

const CHANNEL = 'C0ALERTS01';

test('filesUploadV2 of a PNG into a thread: recorded with its mimetype and size, served back byte-identical', async (t) => {
  const s = await startTestSlack(t);
  const parent = await s.slack.chat.postMessage({ channel: CHANNEL, text: 'Checkout journey failed' });
  const upload = await s.slack.filesUploadV2({
    channel_id: CHANNEL,
    thread_ts: parent.ts!,
    file: PNG,
    filename: 'checkout.png',
    title: 'Checkout page at failure',
    initial_comment: 'Screenshot of the failure',
  });
  assert.equal(upload.ok, true);
  const completed = (upload.files as { files: { id: string; name: string; title: string; mimetype: string; size: number }[] }[])[0]!.files[0]!;
  assert.match(completed.id, /^F[A-Z0-9]+$/);
  assert.deepEqual(
    { name: completed.name, title: completed.title, mimetype: completed.mimetype, size: completed.size },
    { name: 'checkout.png', title: 'Checkout page at failure', mimetype: 'image/png', size: PNG.length },
  );

  const records = await s.messages(CHANNEL);
  assert.equal(records.length, 2);
  const shared = records[1]!;
  assert.equal(shared.thread_ts, parent.ts);
  assert.equal(shared.text, 'Screenshot of the failure');
  assert.deepEqual(shared.files, [
    {
      id: completed.id,
      name: 'checkout.png',
      title: 'Checkout page at failure',
      mimetype: 'image/png',
      size: PNG.length,
      url: `${s.emulator.url}/files/${completed.id}`,
    },
  ]);

  const served = await fetch(shared.files[0]!.url);
  assert.equal(served.status, 200);
  assert.equal(served.headers.get('content-type'), 'image/png');
  assert.ok(Buffer.from(await served.arrayBuffer()).equals(PNG), 'the bytes served are the bytes uploaded');
});

test('the type is sniffed from the bytes, not the filename; a file shared without a comment has empty text', async (t) => {
  const s = await startTestSlack(t);
  const upload = await s.slack.filesUploadV2({ channel_id: CHANNEL, content: '<script>alert(1)</script>', filename: 'report.png' });
  assert.equal(upload.ok, true);
  const [record] = await s.messages(CHANNEL);
  assert.equal(record!.text, '');
  assert.equal(record!.thread_ts, null);
  assert.equal(record!.files[0]!.mimetype, 'text/plain');
  const served = await fetch(record!.files[0]!.url);
  assert.equal(served.headers.get('content-type'), 'text/plain');
  assert.equal(served.headers.get('x-content-type-options'), 'nosniff');
});

test('the upload URL takes raw bytes too, answers "OK - <length>", and stops working once the upload is completed', async (t) => {
  const s = await startTestSlack(t);
  const url = await s.slack.files.getUploadURLExternal({ filename: 'raw.png', length: PNG.length });
  assert.match(url.file_id!, /^F/);
  assert.equal(url.upload_url, `${s.emulator.url}/upload/${url.file_id}`);

  const posted = await fetch(url.upload_url!, { method: 'POST', body: PNG, headers: { 'content-type': 'application/octet-stream' } });
  assert.equal(posted.status, 200);
  assert.equal(await posted.text(), `OK - ${PNG.length}`);

  const done = await s.slack.files.completeUploadExternal({ files: [{ id: url.file_id!, title: 'raw' }] });
  assert.equal(done.files?.[0]?.mimetype, 'image/png');
  assert.equal(done.files?.[0]?.size, PNG.length);
  // Completed without a channel: the file is private, no message is posted.
  assert.deepEqual(await s.messages(), []);

  const again = await fetch(url.upload_url!, { method: 'POST', body: PNG });
  assert.equal(again.status, 404);
  assert.equal((await fetch(`${s.emulator.url}/upload/F0NOTAFILE`, { method: 'POST', body: PNG })).status, 404);
});

test('files.completeUploadExternal refuses unknown or never-uploaded files, bad arguments, and unknown threads', async (t) => {
  const s = await startTestSlack(t);
  assert.equal((await refusal(s.slack.files.completeUploadExternal({ files: [{ id: 'F0NOTAFILE' }] }))).error, 'file_not_found');
  const pending = await s.slack.files.getUploadURLExternal({ filename: 'never.png', length: 10 });
  assert.equal((await refusal(s.slack.files.completeUploadExternal({ files: [{ id: pending.file_id! }] }))).error, 'file_not_found');
  assert.equal((await refusal(s.slack.apiCall('files.completeUploadExternal', { files: 'not json' }))).error, 'invalid_arguments');
  assert.equal((await refusal(s.slack.apiCall('files.getUploadURLExternal', { length: 3 }))).error, 'invalid_arguments');
  assert.equal((await refusal(s.slack.apiCall('files.getUploadURLExternal', { filename: 'a.txt', length: 'three' }))).error, 'invalid_arguments');

  await fetch(pending.upload_url!, { method: 'POST', body: Buffer.from('0123456789') });
  const refused = await refusal(
    s.slack.files.completeUploadExternal({ files: [{ id: pending.file_id! }], channel_id: CHANNEL, thread_ts: '1700000000.000100' }),
  );
  assert.equal(refused.error, 'thread_not_found');
  assert.equal((await refusal(s.slack.files.completeUploadExternal({ files: [{ id: pending.file_id! }], channel_id: 'general' }))).error, 'channel_not_found');
  assert.deepEqual(await s.messages(), []);
});

test('files are served only once uploaded; the upload URL needs no token, like a pre-signed URL', async (t) => {
  const s = await startTestSlack(t);
  const url = await s.slack.files.getUploadURLExternal({ filename: 'a.txt', length: 2 });
  assert.equal((await fetch(`${s.emulator.url}/files/${url.file_id}`)).status, 404);
  const res = await fetch(url.upload_url!, { method: 'POST', body: 'hi' });
  assert.equal(res.status, 200);
  const served = await fetch(`${s.emulator.url}/files/${url.file_id}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(await served.text(), 'hi');
});
