import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileSearchQuery, SearchQueryError } from './search.ts';
import type { SearchFields } from './search.ts';

const customerFields: SearchFields = {
  created: 'number',
  email: 'string',
  metadata: 'metadata',
  name: 'string',
  phone: 'string',
};

const customers: Record<string, unknown>[] = [
  { id: 'cus_jenny', created: 1000, email: 'Jenny.Rosen@example.com', name: 'Jenny Rosen', phone: '+15555550100', metadata: { order: '42', Tier: 'Gold' } },
  { id: 'cus_obrien', created: 1001, email: 'pat@example.org', name: "Pat O'Brien", phone: null, metadata: { order: '7' } },
  { id: 'cus_quote', created: 999, email: 'q@example.net', name: 'say "hi"', metadata: { "it's": 'yes', 'a"b': 'dq' } },
  { id: 'cus_bare', email: null, name: 'C:\\temp\\x' },
];

/** Ids of the sample customers that the query matches, in order. */
function ids(query: string, fields: SearchFields = customerFields, objects = customers): string[] {
  const matches = compileSearchQuery(query, fields);
  return objects.filter((o) => matches(o)).map((o) => o.id as string);
}

/** Asserts the query is rejected at `position` with a message matching `message`. */
function rejects(query: string, position: number, message: RegExp | string, fields: SearchFields = customerFields): void {
  assert.throws(
    () => compileSearchQuery(query, fields),
    (err: unknown) => {
      assert.ok(err instanceof SearchQueryError, `expected SearchQueryError, got ${String(err)}`);
      assert.equal(err.position, position, `position for ${JSON.stringify(query)}: ${err.message}`);
      if (typeof message === 'string') assert.equal(err.message, message);
      else assert.match(err.message, message);
      return true;
    },
  );
}

test('exact string match is case-insensitive in both directions', () => {
  assert.deepEqual(ids("email:'jenny.rosen@example.com'"), ['cus_jenny']);
  assert.deepEqual(ids("email:'JENNY.ROSEN@EXAMPLE.COM'"), ['cus_jenny']);
  assert.deepEqual(ids("name:'jenny'"), [], 'exact match must not match a prefix');
  assert.deepEqual(ids("name:'Jenny Rosen'"), ['cus_jenny']);
});

test('double quotes work like single quotes', () => {
  assert.deepEqual(ids('email:"pat@example.org"'), ['cus_obrien']);
  assert.deepEqual(ids(`name:"Pat O'Brien"`), ['cus_obrien'], 'the other quote needs no escape');
});

test('a backslash escapes a quote or a backslash inside a string', () => {
  assert.deepEqual(ids("name:'Pat O\\'Brien'"), ['cus_obrien']);
  assert.deepEqual(ids('name:"say \\"hi\\""'), ['cus_quote']);
  assert.deepEqual(ids("name:'C:\\\\temp\\\\x'"), ['cus_bare']);
  // Other backslashes are kept as they are.
  assert.deepEqual(ids("name:'C:\\temp\\x'"), ['cus_bare']);
});

test('null or missing string fields never match a value, and their negation does', () => {
  assert.deepEqual(ids("phone:'+15555550100'"), ['cus_jenny']);
  assert.deepEqual(ids("-phone:'+15555550100'"), ['cus_obrien', 'cus_quote', 'cus_bare']);
  assert.deepEqual(ids("-email:'q@example.net'"), ['cus_jenny', 'cus_obrien', 'cus_bare']);
});

test('~ is a case-insensitive substring match', () => {
  assert.deepEqual(ids("email~'EXAMPLE.or'"), ['cus_obrien']);
  assert.deepEqual(ids("name~'ros'"), ['cus_jenny']);
  assert.deepEqual(ids("email~'example'"), ['cus_jenny', 'cus_obrien', 'cus_quote']);
  assert.deepEqual(ids("-email~'example'"), ['cus_bare']);
  // Length counts the value after unescaping.
  assert.deepEqual(ids("name~'O\\'B'"), ['cus_obrien']);
});

test('~ needs at least 3 characters', () => {
  rejects("email~'ab'", 6, "Invalid query at position 6: a substring search ('~') needs at least 3 characters");
  rejects('name:\'x\' email~""', 15, /at least 3 characters/);
  assert.deepEqual(ids("email~'@ex'"), ['cus_jenny', 'cus_obrien', 'cus_quote']);
});

test('numeric comparisons respect their boundaries', () => {
  assert.deepEqual(ids('created>1000'), ['cus_obrien']);
  assert.deepEqual(ids('created>=1000'), ['cus_jenny', 'cus_obrien']);
  assert.deepEqual(ids('created<1000'), ['cus_quote']);
  assert.deepEqual(ids('created<=1000'), ['cus_jenny', 'cus_quote']);
  assert.deepEqual(ids('created:1000'), ['cus_jenny']);
  assert.deepEqual(ids('created>1001'), []);
  assert.deepEqual(ids('created>-1'), ['cus_jenny', 'cus_obrien', 'cus_quote']);
});

test('a missing number field fails every comparison and passes its negation', () => {
  assert.ok(!ids('created>0').includes('cus_bare'));
  assert.ok(!ids('created<99999').includes('cus_bare'));
  assert.deepEqual(ids('-created<=1000'), ['cus_obrien', 'cus_bare']);
  assert.equal(compileSearchQuery('created>5', customerFields)({ created: '10' }), false, 'strings are not numbers');
});

test('metadata matches with either quote style; key case-sensitive, value case-insensitive', () => {
  assert.deepEqual(ids("metadata['order']:'42'"), ['cus_jenny']);
  assert.deepEqual(ids('metadata["order"]:"7"'), ['cus_obrien']);
  assert.deepEqual(ids(`metadata["order"]:'7'`), ['cus_obrien']);
  assert.deepEqual(ids("metadata['Tier']:'gold'"), ['cus_jenny']);
  assert.deepEqual(ids("metadata['tier']:'gold'"), [], 'keys are case-sensitive');
  assert.deepEqual(ids("metadata['it\\'s']:'YES'"), ['cus_quote']);
  assert.deepEqual(ids(`metadata["a\\"b"]:'dq'`), ['cus_quote']);
  assert.deepEqual(ids("-metadata['order']:'42'"), ['cus_obrien', 'cus_quote', 'cus_bare']);
});

test('metadata null checks presence and absence of a key', () => {
  assert.deepEqual(ids("-metadata['order']:null"), ['cus_jenny', 'cus_obrien']);
  assert.deepEqual(ids("metadata['order']:null"), ['cus_quote', 'cus_bare']);
  assert.deepEqual(ids('metadata["Tier"]:null'), ['cus_obrien', 'cus_quote', 'cus_bare']);
  // An inherited property is not a key.
  assert.deepEqual(ids("-metadata['constructor']:null"), []);
  // Quoted 'null' is the string, not the absence.
  assert.deepEqual(ids("metadata['order']:'null'"), []);
  assert.equal(compileSearchQuery("metadata['k']:'null'", customerFields)({ metadata: { k: 'NULL' } }), true);
});

test('whitespace and AND both mean AND', () => {
  assert.deepEqual(ids("email~'example' created>999"), ['cus_jenny', 'cus_obrien']);
  assert.deepEqual(ids("email~'example' AND created>999"), ['cus_jenny', 'cus_obrien']);
  assert.deepEqual(ids("email~'example'\t\n AND  created>999   AND -name:'jenny rosen'"), ['cus_obrien']);
  assert.deepEqual(ids("  email~'example'  created>999 metadata['order']:'7'  "), ['cus_obrien']);
});

test('OR matches any clause', () => {
  assert.deepEqual(ids("name:'jenny rosen' OR metadata['order']:'7'"), ['cus_jenny', 'cus_obrien']);
  assert.deepEqual(ids("created<1000 OR -email~'example' OR name:'nobody'"), ['cus_quote', 'cus_bare']);
});

test('AND and OR cannot be mixed, explicit or implicit', () => {
  const q1 = "email:'a' AND name:'b' OR phone:'c'";
  rejects(q1, q1.indexOf('OR'), `Invalid query at position ${q1.indexOf('OR')}: You cannot combine AND and OR in the same query`);
  const q2 = "email:'a' name:'b' OR phone:'c'";
  rejects(q2, q2.indexOf('OR'), /cannot combine AND and OR/);
  const q3 = "email:'a' OR name:'b' phone:'c'";
  rejects(q3, q3.indexOf('phone'), /cannot combine AND and OR/);
  const q4 = "email:'a' OR name:'b' AND phone:'c'";
  rejects(q4, q4.indexOf('AND'), /cannot combine AND and OR/);
});

test('keywords are uppercase whole words', () => {
  rejects("email:'a' and name:'b'", 10, "Invalid query at position 10: 'and' is not a keyword; AND and OR must be uppercase");
  rejects("email:'a' or name:'b'", 10, /'or' is not a keyword/);
  // Part of a longer word is a field name, not a keyword.
  assert.deepEqual(ids("ANDROID:'x'", { ANDROID: 'string' }, [{ id: 'a', ANDROID: 'X' }]), ['a']);
  assert.deepEqual(ids("ORDER:'x'", { ORDER: 'string' }, [{ id: 'a', ORDER: 'X' }]), ['a']);
});

test('a stray or trailing keyword is an error at its position', () => {
  rejects("email:'a' AND", 13, "Invalid query at position 13: expected a clause after 'AND'");
  rejects("email:'a' OR   ", 15, /expected a clause after 'OR'/);
  rejects("AND email:'a'", 0, "Invalid query at position 0: expected a clause but found 'AND'");
  rejects("email:'a' AND AND name:'b'", 14, /expected a clause but found 'AND'/);
});

test('empty query is an error', () => {
  rejects('', 0, 'Invalid query at position 0: the query is empty');
  rejects('   ', 3, /the query is empty/);
});

test('unknown fields name the field and list the supported ones', () => {
  rejects("emial:'x'", 0, "Field 'emial' is not supported for this search (supported: created, email, metadata, name, phone)");
  rejects("email:'x' -status:'active'", 11, /^Field 'status' is not supported/);
  // Object.prototype members are not fields.
  rejects("constructor:'x'", 0, /^Field 'constructor' is not supported/);
  rejects("email.x:'x'", 0, /^Field 'email.x' is not supported/);
  // The list is sorted regardless of declaration order.
  rejects("x:'1'", 0, /\(supported: amount, status\)$/, { status: 'string', amount: 'number' });
});

test('unterminated quotes are reported where they open', () => {
  rejects("email:'jenny", 6, "Invalid query at position 6: unterminated string: the ' opened here is never closed");
  rejects("name:'x' email:\"jenny", 15, /unterminated string: the " opened here/);
  rejects("email:'jenny\\'", 6, /unterminated string/);
  rejects("email:'a\\", 6, /unterminated string/);
  rejects('email:\'jenny"', 6, /unterminated string/, customerFields);
  rejects(`metadata["order]:'1'`, 9, /unterminated string: the " opened here/);
  // A quote mismatch ends the key early; the leftover is then reported.
  rejects("metadata['order:'1'", 17, /expected '\]' after the key of 'metadata'/);
});

test('a missing value is reported where the value should be', () => {
  rejects('email:', 6, "Invalid query at position 6: expected a value after 'email:'");
  rejects("name:'Pat' email:", 17, "Invalid query at position 17: expected a value after 'email:'");
  rejects("email: 'x'", 6, /expected a value after 'email:'/);
  rejects('created>=', 9, /expected a value after 'created>='/);
  rejects("metadata['k']:", 14, /expected a value after 'metadata\['k'\]:'/);
});

test('number fields need an unquoted integer', () => {
  rejects('created>abc', 8, "Invalid query at position 8: expected a number after 'created>' but found 'abc'");
  rejects('created>12abc', 8, /found '12abc'/);
  rejects('created:1.5', 8, /found '1.5'/);
  rejects("created:'5'", 8, /expected a number after 'created:' but found a quoted string/);
  rejects('created:null', 8, /found 'null'/);
});

test('operators must fit the field kind', () => {
  rejects("created~'100'", 7, "Invalid query at position 7: '~' (substring) is not supported on number field 'created'");
  rejects("email>'a'", 5, "Invalid query at position 5: '>' is only supported on number fields, and 'email' is not one");
  rejects("name<='a'", 4, /'<=' is only supported on number fields/);
  rejects("metadata['n']>=5", 13, /'>=' is only supported on number fields, and 'metadata\['n'\]' is not one/);
  rejects("metadata['k']~null", 13, /null can only be used with ':'/);
});

test('string values must be quoted, and null is for metadata only', () => {
  rejects('email:jenny@example.com', 6, /expected a quoted string after 'email:' but found 'jenny@example.com'/);
  rejects('email:null', 6, /expected a quoted string after 'email:' but found 'null'/);
  rejects("metadata['k']:42", 14, /expected a quoted string/);
});

test('metadata needs a quoted key in brackets', () => {
  rejects("metadata:'x'", 8, "Invalid query at position 8: expected ['key'] after 'metadata'");
  rejects("metadata[order]:'x'", 9, /expected a quoted key after 'metadata\['/);
  rejects("metadata['order':'x'", 16, /expected '\]' after the key of 'metadata'/);
});

test('a missing or malformed operator is an error', () => {
  rejects("email'x'", 5, "Invalid query at position 5: expected an operator (:, ~, >, <, >=, <=) after 'email'");
  rejects("email = 'x'", 5, /expected an operator/);
  rejects("email='x'", 5, /expected an operator/);
});

test('clauses need a separator and a field name', () => {
  rejects("email:'a'name:'b'", 9, /unexpected 'n' after a clause; separate clauses with a space, AND or OR/);
  rejects("- email:'a'", 1, "Invalid query at position 1: expected a field name after '-'");
  rejects("email:'a' -", 11, /expected a field name after '-'/);
  rejects("(email:'a')", 0, /expected a field name but found '\('/);
  rejects("--email:'a'", 1, /expected a field name but found '-'/);
});

test('errors are SearchQueryError instances with a name and a position', () => {
  try {
    compileSearchQuery("email~'x'", customerFields);
    assert.fail('should have thrown');
  } catch (e) {
    assert.ok(e instanceof SearchQueryError);
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'SearchQueryError');
    assert.equal(e.position, 6);
  }
});

test('metadata ~ works like on strings, with the same minimum length', () => {
  const matches = compileSearchQuery("metadata['plan']~'PRO'", customerFields);
  assert.equal(matches({ metadata: { plan: 'pro_monthly' } }), true);
  assert.equal(matches({ metadata: { plan: 'basic' } }), false);
  assert.equal(matches({ metadata: null }), false);
  assert.equal(matches({}), false);
  rejects("metadata['plan']~'pr'", 17, /at least 3 characters/);
});

test('works for other resources, such as subscriptions', () => {
  const subscriptionFields: SearchFields = { created: 'number', metadata: 'metadata', status: 'string' };
  const subs = [
    { id: 'sub_1', status: 'active', created: 5, metadata: {} },
    { id: 'sub_2', status: 'canceled', created: 6, metadata: { trial: 'yes' } },
  ];
  assert.deepEqual(ids("status:'ACTIVE'", subscriptionFields, subs), ['sub_1']);
  assert.deepEqual(ids("-status:'active' -metadata['trial']:null", subscriptionFields, subs), ['sub_2']);
  rejects("email:'x'", 0, "Field 'email' is not supported for this search (supported: created, metadata, status)", subscriptionFields);
});

test('evaluation does not consult the query or field table again', () => {
  let reads = 0;
  const counted = new Proxy(customerFields, {
    get(target, key, receiver) {
      reads++;
      return Reflect.get(target, key, receiver);
    },
    getOwnPropertyDescriptor(target, key) {
      reads++;
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
  });
  const matches = compileSearchQuery("email~'example' OR metadata['order']:null OR created>=1000", counted);
  const readsWhileCompiling = reads;
  assert.ok(readsWhileCompiling > 0, 'the proxy must see compilation');
  for (let i = 0; i < 100; i++) for (const c of customers) matches(c);
  assert.equal(reads, readsWhileCompiling);
});

test('large queries compile and evaluate without deep recursion', () => {
  const clauses = Array.from({ length: 20_000 }, (_, i) => `metadata['k${i}']:'v${i}'`);
  const query = clauses.join(' OR ');
  const matches = compileSearchQuery(query, customerFields);
  assert.equal(matches({ metadata: { k19999: 'V19999' } }), true);
  assert.equal(matches({ metadata: { k19999: 'v1' } }), false);
  const andQuery = Array.from({ length: 20_000 }, () => "-email:'x'").join(' ');
  assert.equal(compileSearchQuery(andQuery, customerFields)({ email: 'y' }), true);
  // A long string full of escapes must not be quadratic either.
  const longValue = "\\'".repeat(200_000);
  assert.equal(compileSearchQuery(`name:'${longValue}'`, customerFields)({ name: "'".repeat(200_000) }), true);
});
