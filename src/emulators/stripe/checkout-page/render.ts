/** HTML of the hosted Checkout page and its 3D Secure challenge, with the real page's DOM contract. */
import { readFileSync } from 'node:fs';
import { formatAmount } from '../billing.ts';
import { TEST_CARDS } from '../cards.ts';
import type { StripeObject } from '../store.ts';

const CLIENT_JS = readFileSync(new URL('./client.js', import.meta.url), 'utf8');

export const COUNTRIES: [string, string][] = [
  ['US', 'United States'],
  ['GB', 'United Kingdom'],
  ['CA', 'Canada'],
  ['AU', 'Australia'],
  ['DE', 'Germany'],
  ['FR', 'France'],
  ['IE', 'Ireland'],
  ['NL', 'Netherlands'],
  ['ES', 'Spain'],
  ['IT', 'Italy'],
  ['SE', 'Sweden'],
  ['JP', 'Japan'],
  ['SG', 'Singapore'],
  ['NZ', 'New Zealand'],
  ['BR', 'Brazil'],
  ['IN', 'India'],
];

export const escapeHtml = (s: unknown): string =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const STYLE = `
*{box-sizing:border-box}body{margin:0;font:15px/1.4 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#fff}
.App{display:flex;flex-wrap:wrap;max-width:920px;margin:0 auto;padding:32px 16px;gap:48px}
.OrderSummary,.PaymentForm{flex:1 1 360px}
.Header-business{display:inline-flex;align-items:center;gap:8px;color:#1a1a1a;text-decoration:none;font-weight:500}
.ProductSummary-name{color:#666;margin-top:32px}.ProductSummary-totalAmount{font-size:36px;font-weight:600}
.LineItem{display:flex;justify-content:space-between;margin-top:16px}.LineItem-interval{color:#666;font-size:13px}
.OrderTotal{display:flex;justify-content:space-between;border-top:1px solid #e6e6e6;margin-top:16px;padding-top:16px;font-weight:600}
label,.Label{display:block;font-size:13px;color:#4d4d4d;margin:16px 0 6px}
input,select{width:100%;padding:10px 12px;border:1px solid #d9d9d9;border-radius:6px;font:inherit}
input[readonly]{background:#f7f7f7;color:#4d4d4d}
.CardFields{border:1px solid #d9d9d9;border-radius:6px}.CardFields input{border:0;border-radius:0}
.CardFields-row{display:flex;border-top:1px solid #d9d9d9}.CardFields-row input+input{border-left:1px solid #d9d9d9}
input[aria-invalid=true]{color:#dc2727;border-color:#dc2727}
.FieldError{color:#dc2727;font-size:13px;margin-top:4px}
.SubmitButton{width:100%;margin-top:24px;padding:12px;border:0;border-radius:6px;background:#0074d4;color:#fff;font:inherit;font-weight:600;cursor:pointer}
.SubmitButton:disabled{opacity:.7;cursor:default}.SubmitButton--complete{background:#24b47e}
.ChallengeOverlay{position:fixed;inset:0;background:rgba(0,0,0,.4);display:flex;align-items:center;justify-content:center}
.ChallengeOverlay iframe{width:420px;height:420px;border:0;border-radius:8px;background:#fff}
.Notice{max-width:520px;margin:80px auto;text-align:center}`;

function layout(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

function intervalText(price: StripeObject): string {
  if (!price.recurring) return '';
  const { interval, interval_count: n } = price.recurring;
  return n === 1 ? `per ${interval}` : `every ${n} ${interval}s`;
}

export interface PageData {
  session: StripeObject;
  items: StripeObject[];
  businessName: string;
  email: string | null;
  now: number;
}

export function checkoutPage({ session, items, businessName, email, now }: PageData): string {
  const currency = session.currency as string;
  const subscribe = session.mode === 'subscription';
  const submitLabel = session.submit_type === 'donate' ? 'Donate' : session.submit_type === 'book' ? 'Book' : subscribe ? 'Subscribe' : 'Pay';
  const first = items[0]!;
  const headline = subscribe
    ? `Subscribe to ${first.description ?? 'your plan'}`
    : items.length === 1
      ? (first.description ?? 'Your order')
      : `Pay ${escapeHtml(businessName)}`;
  const lines = items
    .map(
      (li) => `<div class="LineItem" data-testid="line-item">
        <div><div class="LineItem-productName">${escapeHtml(li.description)}</div>${li.quantity > 1 ? `<div class="LineItem-interval">Qty ${li.quantity}</div>` : ''}</div>
        <div><div class="LineItem-amount">${formatAmount(li.amount_total, currency)}</div><div class="LineItem-interval">${escapeHtml(intervalText(li.price))}</div></div>
      </div>`,
    )
    .join('');
  const total = formatAmount(session.amount_total, currency);
  const firstInterval = intervalText(first.price);
  const state = {
    confirmUrl: `/c/pay/${session.id}/confirm`,
    submitLabel,
    emailLocked: Boolean(email),
    now,
    testCards: Object.keys(TEST_CARDS),
  };
  const field = (id: string, label: string, input: string) =>
    `<label for="${id}">${label}</label>${input}<div class="FieldError" id="${id}-error" role="alert" hidden></div>`;
  const errorSlot = (id: string) => `<div class="FieldError" id="${id}-error" role="alert" hidden></div>`;
  const countries = COUNTRIES.map(([code, name]) => `<option value="${code}"${code === 'US' ? ' selected' : ''}>${name}</option>`).join('');
  const back = session.cancel_url
    ? `<a class="Header-business" href="${escapeHtml(session.cancel_url)}" data-testid="business-link" aria-label="Back to ${escapeHtml(businessName)}">&larr; ${escapeHtml(businessName)}</a>`
    : `<span class="Header-business">${escapeHtml(businessName)}</span>`;
  return layout(
    `${businessName}`,
    `<main class="App" data-testid="checkout-container">
  <section class="OrderSummary" aria-label="Order summary">
    <header>${back}</header>
    <div class="ProductSummary-name">${escapeHtml(headline)}</div>
    <div class="ProductSummary-totalAmount" id="ProductSummary-totalAmount">${total}${firstInterval ? ` <span class="LineItem-interval">${escapeHtml(firstInterval)}</span>` : ''}</div>
    ${lines}
    <div class="OrderTotal"><span>${subscribe ? 'Total due today' : 'Total due'}</span><span id="OrderDetails-total">${total}</span></div>
  </section>
  <section class="PaymentForm">
    <form id="payment-form" novalidate>
      <h2>Contact information</h2>
      ${field('email', 'Email', `<input id="email" name="email" type="email" autocomplete="email" placeholder="email@example.com" value="${escapeHtml(email ?? '')}"${email ? ' readonly aria-readonly="true"' : ''} aria-describedby="email-error">`)}
      <h2>Payment method</h2>
      <div class="Label" id="cardInfo-label">Card information</div>
      <div class="CardFields" role="group" aria-labelledby="cardInfo-label">
        <input id="cardNumber" name="cardNumber" inputmode="numeric" autocomplete="cc-number" placeholder="1234 1234 1234 1234" aria-label="Card number" aria-describedby="cardNumber-error">
        <div class="CardFields-row">
          <input id="cardExpiry" name="cardExpiry" inputmode="numeric" autocomplete="cc-exp" placeholder="MM / YY" aria-label="Expiration" aria-describedby="cardExpiry-error">
          <input id="cardCvc" name="cardCvc" inputmode="numeric" autocomplete="cc-csc" placeholder="CVC" aria-label="CVC" aria-describedby="cardCvc-error">
        </div>
      </div>
      ${errorSlot('cardNumber')}${errorSlot('cardExpiry')}${errorSlot('cardCvc')}
      <div class="FieldError" id="card-errors" role="alert" hidden></div>
      ${field('billingName', 'Cardholder name', `<input id="billingName" name="billingName" autocomplete="cc-name" placeholder="Full name on card" aria-describedby="billingName-error">`)}
      <label for="billingCountry">Country or region</label>
      <select id="billingCountry" name="billingCountry" autocomplete="billing country">${countries}</select>
      ${field('billingPostalCode', 'ZIP', `<input id="billingPostalCode" name="billingPostalCode" autocomplete="billing postal-code" placeholder="ZIP" aria-describedby="billingPostalCode-error">`)}
      <button class="SubmitButton SubmitButton--incomplete" type="submit" data-testid="hosted-payment-submit-button" disabled><div class="SubmitButton-Text">${submitLabel}</div></button>
    </form>
  </section>
</main>
<script type="application/json" id="checkout-state">${JSON.stringify(state).replace(/</g, '\\u003c')}</script>
<script>${CLIENT_JS}</script>`,
  );
}

export function noticePage(title: string, message: string, link?: { href: string; text: string }): string {
  return layout(
    title,
    `<main class="Notice"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>${link ? `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.text)}</a></p>` : ''}</main>`,
  );
}

/** What Checkout shows a suspected robot instead of the form: a CAPTCHA in a frame. */
export function botChallengePage(): string {
  return layout(
    'Verify you are human',
    `<main class="Notice"><h1>Verify you are human</h1><iframe title="Widget containing checkbox for hCaptcha security challenge" src="about:blank" style="width:304px;height:78px;border:0"></iframe></main>`,
  );
}

/** The 3D Secure frame Stripe nests inside its private frame: the challenge lives in `stripe-challenge-frame`. */
export function challengeHost(sessionId: string): string {
  return layout(
    '3D Secure',
    `<iframe name="stripe-challenge-frame" title="3D Secure challenge" src="/c/3ds/${escapeHtml(sessionId)}/challenge" style="width:100%;height:400px;border:0"></iframe>`,
  );
}

export function challengePage(amount: string): string {
  return layout(
    '3D Secure 2 Test Page',
    `<main class="Notice" style="margin:24px auto"><h1>3D Secure 2 Test Page</h1>
<p>This is a test authentication page for a payment of ${escapeHtml(amount)}. In live mode, the cardholder's bank would ask them to confirm.</p>
<button id="test-source-authorize-3ds" class="SubmitButton" type="button">Complete</button>
<button id="test-source-fail-3ds" class="SubmitButton" type="button" style="background:#dc2727">Fail</button></main>
<script>
for (const [id, result] of [['test-source-authorize-3ds', 'authenticated'], ['test-source-fail-3ds', 'failed']]) {
  document.getElementById(id).addEventListener('click', (e) => {
    e.target.disabled = true;
    window.top.postMessage({ type: 'checkout-canary-3ds', result }, location.origin);
  });
}
</script>`,
  );
}
