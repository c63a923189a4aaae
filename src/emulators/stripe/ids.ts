import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Stripe-like random suffix: base62, as in `cus_QXg1o8vcGmoR32`. */
export function randomToken(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  // 62 does not divide 256; the slight bias is irrelevant for identifiers.
  for (const b of bytes) out += ALPHABET[b % 62];
  return out;
}

/** Id prefixes Stripe uses, and the length of the random part seen on real objects. */
export const ID_PREFIX = {
  customer: ['cus_', 14],
  product: ['prod_', 14],
  price: ['price_', 24],
  'checkout.session': ['cs_test_', 58],
  subscription: ['sub_', 24],
  subscription_item: ['si_', 14],
  invoice: ['in_', 24],
  line_item: ['il_', 24],
  invoice_payment: ['inpay_', 24],
  payment_intent: ['pi_', 24],
  payment_method: ['pm_', 24],
  charge: ['ch_', 24],
  event: ['evt_', 24],
  webhook_endpoint: ['we_', 24],
  item: ['li_', 24],
  request: ['req_', 14],
  balance_transaction: ['txn_', 24],
  refund: ['re_', 24],
  setup_intent: ['seti_', 24],
  promotion_code: ['promo_', 24],
  discount: ['di_', 24],
  invoiceitem: ['ii_', 24],
  // Generated coupon ids have no prefix, as in `Z4OV52SU`.
  coupon: ['', 8],
} as const satisfies Record<string, readonly [string, number]>;

export type IdKind = keyof typeof ID_PREFIX;

export function newId(kind: IdKind): string {
  const [prefix, length] = ID_PREFIX[kind];
  return prefix + randomToken(length);
}
