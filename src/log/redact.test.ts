import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redact, registerSecret } from './redact.ts';
import { createLogger } from './logger.ts';

test('redacts Stripe keys, webhook secrets, Slack tokens and auth headers', () => {
  const line = redact('key=sk_test_51Habc123 live=sk_live_9xyz rk=rk_test_abc wh=whsec_abcDEF123 slack=xoxb-123-456-abc auth="Bearer sk_test_zzz12345"');
  for (const secret of ['sk_test_51Habc123', 'sk_live_9xyz', 'rk_test_abc', 'whsec_abcDEF123', 'xoxb-123-456-abc', 'sk_test_zzz12345']) {
    assert.ok(!line.includes(secret), `${secret} leaked in: ${line}`);
  }
  assert.match(line, /sk_test_\[REDACTED\]/);
});

test('redacts registered secrets that have no recognisable prefix', () => {
  registerSecret('admin-token-4242');
  assert.equal(redact('token admin-token-4242 used'), 'token [REDACTED] used');
});

test('the logger filters by level and redacts every line', () => {
  const lines: string[] = [];
  const log = createLogger({ level: 'info', write: (l) => lines.push(l) });
  log.debug('hidden');
  log.info('using sk_test_secretvalue');
  log.error('boom');
  assert.deepEqual(lines, ['using sk_test_[REDACTED]', 'error: boom']);
});

test('a configured key is redacted whole, whatever characters it has', () => {
  assert.equal(redact('key sk_test_abc_def used'), 'key sk_test_[REDACTED] used');
  registerSecret('sk_test_with-dash.and.dots');
  assert.equal(redact('key sk_test_with-dash.and.dots used'), 'key [REDACTED] used');
  assert.equal(redact('secret whsec_abc_DEF_123'), 'secret whsec_[REDACTED]');
});
