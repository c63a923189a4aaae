// Test helper: checks that an object has the same key structure as Stripe's own example object.
// The key structure comes from stripe-shapes.json beside this file, generated from stripe/openapi's
// openapi/fixtures3.json by scripts/stripe-shapes.ts (the fixtures file itself is never copied into
// the project, so these checks run on a clone with nothing outside the repository).
//
// Rules (values are never compared, only key paths):
// - Key sets must be equal at every compared level: a missing key or an unexpected/misnamed key fails.
//   Exception: the few keys in CONDITIONAL_KEYS, which real responses carry only in some cases and
//   the fixture leaves out.
// - Recurse into a key when both values are non-null plain objects, unless it is a free-form map:
//   FREE_FORM_KEYS (metadata …) or any object the fixture shows as `{}`.
// - Arrays: when both are non-empty, compare their first elements (if plain objects).
// - A nested object with a string `object` field (an expanded or embedded resource) is checked
//   against the top-level fixture resource of that type (`deleted_<type>` when it has
//   `deleted: true`), whatever the fixture shows at that spot (a string id, another type, a
//   {id, object} stub). If there is no such resource, it is compared with the fixture's own nested
//   object when that has the same `object`, else skipped. This also covers event.data.object, whose
//   fixture sample is an outdated plan (it still has `aggregate_usage`, gone from Plan since 2025).
// - A list (`object: 'list'`) is checked for its own keys, then its data[0] against the fixture
//   list's data[0] (or, as above, against the resource named by data[0].object).
import { AssertionError } from 'node:assert';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

type Plain = Record<string, unknown>;

/** Path of the committed key-structure manifest, stripe-shapes.json beside this file. */
export function manifestPath(): string {
  return fileURLToPath(new URL('./stripe-shapes.json', import.meta.url));
}

let cache: Record<string, Plain> | undefined;

function resources(): Record<string, Plain> {
  if (cache) return cache;
  const file = manifestPath();
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(
      `Cannot read the Stripe shapes manifest ${file}: ${(err as Error).message}; regenerate it with \`node --import tsx scripts/stripe-shapes.ts\``,
    );
  }
  const r = isPlain(parsed) ? parsed.resources : undefined;
  if (!isPlain(r))
    throw new Error(`The Stripe shapes manifest ${file} has no "resources" object; regenerate it with \`node --import tsx scripts/stripe-shapes.ts\``);
  cache = r as Record<string, Plain>;
  return cache;
}

/**
 * The key structure of Stripe's example object `resources[name]`: its keys in the example's order,
 * each leaf null, `{}` for a free-form map, arrays cut to their first element, `object` keeping its
 * type name (see scripts/stripe-shapes.ts).
 */
export function fixture(name: string): Record<string, unknown> {
  const res = resources()[name];
  if (!isPlain(res)) throw new Error(`No fixture resource "${name}" in ${manifestPath()}`);
  return res;
}

// Maps whose keys are data, not schema.
const FREE_FORM_KEYS: ReadonlySet<string> = new Set(['metadata', 'previous_attributes', 'currency_options', 'invoice_credit_balance']);

// Keys Stripe returns only in some cases and the fixture leaves out: resource -> key paths within it.
const CONDITIONAL_KEYS: Readonly<Record<string, readonly string[]>> = {
  webhook_endpoint: ['secret'], // only in the create response
  event: ['data.previous_attributes'], // only on *.updated events
  'checkout.session': ['line_items'], // only when expanded
  invoice: ['payments'], // only when expanded
  invoice_payment: ['payment.payment_intent', 'payment.charge', 'payment.payment_record'], // by payment.type
  line_item: ['pricing.price_details'], // present when pricing.type is price_details
  charge: ['outcome.risk_level', 'outcome.risk_score', 'outcome.rule'], // set by Radar on real charges
  subscription: ['billing_mode.updated_at'], // after a billing mode migration
  coupon: ['applies_to', 'currency_options'], // only when expanded
  // The fixture's invoice item predates these; Stripe's API reference lists both.
  invoiceitem: ['pricing.price_details', 'parent.subscription_details.subscription_item'],
  promotion_code: ['restrictions.currency_options'], // only when set
  // Names only when set; the rest only when expanded (tax_ids, tax, cash_balance, …).
  customer: ['business_name', 'individual_name', 'tax_ids', 'tax', 'cash_balance', 'sources', 'subscriptions', 'invoice_credit_balance'],
  product: ['tax_details'], // newer than the fixture: stripe-node 23 types it as present on every product
  price: ['currency_options', 'tiers'], // only when expanded
  // The fixture's last_payment_error is a bare {type}; a real decline carries the error's fields.
  payment_intent: [
    // Newer than the fixture: stripe-node 23 types it as present on every payment intent.
    'allowed_payment_method_types',
    'last_payment_error.charge',
    'last_payment_error.code',
    'last_payment_error.decline_code',
    'last_payment_error.doc_url',
    'last_payment_error.message',
    'last_payment_error.param',
    'last_payment_error.payment_method',
    // The fixture's next_action is a bare {type}; a 3D Secure card's carries use_stripe_sdk.
    'next_action.use_stripe_sdk',
    // Set when the Dashboard's payment methods are used; the SDK types it as optional.
    'automatic_payment_methods.allow_redirects',
  ],
  // As for payment intents: the fixture's last_setup_error is a bare {type}, its next_action a bare {type}.
  setup_intent: [
    'allowed_payment_method_types', // as on payment intents
    'last_setup_error.code',
    'last_setup_error.decline_code',
    'last_setup_error.doc_url',
    'last_setup_error.message',
    'last_setup_error.param',
    'last_setup_error.payment_method',
    'next_action.use_stripe_sdk',
    'automatic_payment_methods.allow_redirects',
  ],
  // The preview carries the hash of its payment method's type: the emulator's are cards.
  confirmation_token: ['payment_method_preview.card'],
};

// Keys the fixture has only because of its example's type, absent from objects of another type: resource -> key paths.
const EXAMPLE_TYPE_KEYS: Readonly<Record<string, readonly string[]>> = {
  confirmation_token: ['payment_method_preview.us_bank_account'], // the example previews a bank account
};

const LIST_KEYS: readonly string[] = ['data', 'has_more', 'object', 'url'];

function isPlain(v: unknown): v is Plain {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

interface Walk {
  missing: string[];
  unexpected: string[];
  seen: WeakSet<object>;
}

/** Where a key sits: its full path for messages, and its path inside the resource for CONDITIONAL_KEYS. */
interface At {
  path: string;
  resource: string;
  rel: string;
}

function child(at: At, key: string): At {
  const join = (base: string) => (base ? `${base}.${key}` : key);
  return { path: join(at.path), resource: at.resource, rel: join(at.rel) };
}

function index0(at: At): At {
  return { path: `${at.path}[0]`, resource: at.resource, rel: `${at.rel}[0]` };
}

function resourceFor(actual: Plain): { name: string; shape: Plain } | undefined {
  const type = actual.object as string;
  const all = resources();
  const name = actual.deleted === true && isPlain(all[`deleted_${type}`]) ? `deleted_${type}` : type;
  const shape = all[name];
  return isPlain(shape) ? { name, shape } : undefined;
}

function compareKeys(actual: Plain, expected: Plain, at: At, w: Walk): void {
  if (w.seen.has(actual)) return; // guards against cycles in hand-built objects
  w.seen.add(actual);
  const conditional = CONDITIONAL_KEYS[at.resource] ?? [];
  const exampleOnly = EXAMPLE_TYPE_KEYS[at.resource] ?? [];
  for (const key of Object.keys(expected)) {
    if (!(key in actual) && !exampleOnly.includes(child(at, key).rel)) w.missing.push(child(at, key).path);
  }
  for (const key of Object.keys(actual)) {
    const next = child(at, key);
    if (!(key in expected)) {
      if (conditional.includes(next.rel)) compareValue(actual[key], undefined, next, w);
      else w.unexpected.push(next.path);
      continue;
    }
    if (FREE_FORM_KEYS.has(key)) continue;
    const exp = expected[key];
    if (isPlain(exp) && Object.keys(exp).length === 0) continue; // fixture shows a free-form map
    compareValue(actual[key], exp, next, w);
  }
}

function compareValue(actual: unknown, expected: unknown, at: At, w: Walk): void {
  if (Array.isArray(actual)) {
    // With no fixture element to compare against, only a typed first element is checked (against its resource).
    if (actual.length > 0) compareValue(actual[0], Array.isArray(expected) ? expected[0] : undefined, index0(at), w);
    return;
  }
  if (!isPlain(actual)) return;
  if (typeof actual.object === 'string') {
    compareTyped(actual, expected, at, w);
    return;
  }
  if (isPlain(expected)) compareKeys(actual, expected, at, w);
}

function compareTyped(actual: Plain, expected: unknown, at: At, w: Walk): void {
  if (actual.object === 'list') {
    const expList = isPlain(expected) && expected.object === 'list' ? expected : undefined;
    const listShape = expList ?? Object.fromEntries(LIST_KEYS.map((k) => [k, null]));
    // Only the list's own keys here; its items are checked below.
    compareKeys({ ...actual, data: null }, { ...listShape, data: null }, { ...at, resource: 'list', rel: '' }, w);
    const data = actual.data;
    if (Array.isArray(data) && data.length > 0) {
      const expData = expList && Array.isArray(expList.data) ? expList.data[0] : undefined;
      compareValue(data[0], expData, { path: `${at.path}.data[0]`, resource: '', rel: '' }, w);
    }
    return;
  }
  const res = resourceFor(actual);
  if (res) {
    compareKeys(actual, res.shape, { path: at.path, resource: res.name, rel: '' }, w);
  } else if (isPlain(expected) && expected.object === actual.object) {
    compareKeys(actual, expected, at, w);
  }
}

/** Throws an AssertionError listing every missing and every unexpected key path (e.g. `missing: invoice_settings.footer; unexpected: foo`). */
export function assertShape(actual: unknown, fixtureName: string): void {
  const expected = fixture(fixtureName);
  if (!isPlain(actual)) {
    throw new AssertionError({ message: `Expected a plain object shaped like fixture "${fixtureName}", got ${describe(actual)}` });
  }
  const w: Walk = { missing: [], unexpected: [], seen: new WeakSet() };
  compareKeys(actual, expected, { path: '', resource: fixtureName, rel: '' }, w);
  if (w.missing.length === 0 && w.unexpected.length === 0) return;
  const parts: string[] = [];
  if (w.missing.length) parts.push(`missing: ${w.missing.join(', ')}`);
  if (w.unexpected.length) parts.push(`unexpected: ${w.unexpected.join(', ')}`);
  throw new AssertionError({
    // No actual/expected here: the key paths are the useful part, not a dump of both objects.
    message: `Object does not match the shape of fixture "${fixtureName}" (${manifestPath()}): ${parts.join('; ')}`,
  });
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? `an instance of ${(v as object).constructor?.name ?? 'unknown'}` : typeof v;
}
