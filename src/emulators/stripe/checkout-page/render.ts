/** HTML of the hosted Checkout page and its 3D Secure challenge, with the real page's DOM contract. */
import { readFileSync } from 'node:fs';
import { formatAmount } from '../money.ts';
import { TEST_CARDS } from '../cards.ts';
import type { StripeObject } from '../store.ts';
import { METHOD_LABELS, type PageLayout } from './variants.ts';

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

/** The states Checkout lists for a US billing address (`#billingAdministrativeArea`). */
export const US_STATES: [string, string][] = [
  ['AL', 'Alabama'],
  ['AK', 'Alaska'],
  ['AZ', 'Arizona'],
  ['AR', 'Arkansas'],
  ['CA', 'California'],
  ['CO', 'Colorado'],
  ['CT', 'Connecticut'],
  ['DE', 'Delaware'],
  ['DC', 'District of Columbia'],
  ['FL', 'Florida'],
  ['GA', 'Georgia'],
  ['HI', 'Hawaii'],
  ['ID', 'Idaho'],
  ['IL', 'Illinois'],
  ['IN', 'Indiana'],
  ['IA', 'Iowa'],
  ['KS', 'Kansas'],
  ['KY', 'Kentucky'],
  ['LA', 'Louisiana'],
  ['ME', 'Maine'],
  ['MD', 'Maryland'],
  ['MA', 'Massachusetts'],
  ['MI', 'Michigan'],
  ['MN', 'Minnesota'],
  ['MS', 'Mississippi'],
  ['MO', 'Missouri'],
  ['MT', 'Montana'],
  ['NE', 'Nebraska'],
  ['NV', 'Nevada'],
  ['NH', 'New Hampshire'],
  ['NJ', 'New Jersey'],
  ['NM', 'New Mexico'],
  ['NY', 'New York'],
  ['NC', 'North Carolina'],
  ['ND', 'North Dakota'],
  ['OH', 'Ohio'],
  ['OK', 'Oklahoma'],
  ['OR', 'Oregon'],
  ['PA', 'Pennsylvania'],
  ['RI', 'Rhode Island'],
  ['SC', 'South Carolina'],
  ['SD', 'South Dakota'],
  ['TN', 'Tennessee'],
  ['TX', 'Texas'],
  ['UT', 'Utah'],
  ['VT', 'Vermont'],
  ['VA', 'Virginia'],
  ['WA', 'Washington'],
  ['WV', 'West Virginia'],
  ['WI', 'Wisconsin'],
  ['WY', 'Wyoming'],
];

export const escapeHtml = (s: unknown): string =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

// `[hidden]` wins over a class's display (a hidden discount row must not show "-$0.00").
const STYLE = `
*{box-sizing:border-box}[hidden]{display:none!important}body{margin:0;font:15px/1.4 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#fff}
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
.SubmitButton--incomplete{opacity:.85}.SubmitButton:disabled{opacity:.7;cursor:default}.SubmitButton--success{background:#24b47e}
.SubmitButton-IconContainer{display:inline-block;vertical-align:middle}.SubmitButton-SpinnerIcon{display:inline-block;width:14px;height:14px;border:2px solid #fff;border-right-color:transparent;border-radius:50%;animation:spin .8s linear infinite}
@keyframes spin{to{transform:rotate(360deg)}}
.Accordion{border:1px solid #d9d9d9;border-radius:6px}.AccordionItem+.AccordionItem{border-top:1px solid #d9d9d9}
.AccordionItem-header{position:relative;display:flex;align-items:center;gap:10px;padding:12px}
.AccordionItem-header input[type=radio]{width:auto;margin:0}.AccordionItem-header label{margin:0;font-size:15px;color:#1a1a1a}
.AccordionItem-cover{position:absolute;inset:0;width:100%;background:transparent;border:0;cursor:pointer}
.AccordionItem-content{padding:0 12px 12px;overflow:hidden}
.AccordionItem-content--opening{animation:AccordionOpen .2s ease-out}
@keyframes AccordionOpen{from{max-height:0;opacity:.3}to{max-height:640px;opacity:1}}
.Accordion[data-state=entering] .AccordionItem{animation:AccordionEnter .2s ease-out both}
@keyframes AccordionEnter{from{transform:translateY(24px);opacity:.4}to{transform:none;opacity:1}}
.AddressAutocomplete-manual-entry{background:none;border:0;padding:4px 0;color:#0074d4;font:inherit;font-size:13px;cursor:pointer}
.LinkOptIn{border:1px solid #d9d9d9;border-radius:6px;padding:12px;margin-top:24px}
.LinkOptIn .Checkbox{display:flex;gap:8px;align-items:flex-start;margin:0;color:#1a1a1a;font-size:14px}.LinkOptIn .Checkbox input{width:auto;margin-top:3px}
.LinkOptIn-detail{color:#666;font-size:13px;margin-left:22px}
.ChallengeOverlay{position:fixed;inset:0;background:rgba(0,0,0,.4);display:flex;align-items:center;justify-content:center}
.ChallengeOverlay iframe{width:420px;height:420px;border:0;border-radius:8px;background:#fff}
.Notice{max-width:520px;margin:80px auto;text-align:center}
.PromotionCode{margin-top:16px}.PromotionCode-toggle,.PromotionCode-apply{background:none;border:0;padding:4px 0;color:#0074d4;font:inherit;font-size:14px;cursor:pointer}
.PromotionCode-entry{display:flex;gap:8px;align-items:center}.PromotionCode-applied{display:inline-block;background:#f0f0f0;border-radius:4px;padding:2px 8px;font-size:13px}
.OrderDiscount,.OrderSubtotal,.OrderShipping{display:flex;justify-content:space-between;margin-top:12px;color:#4d4d4d}
.CustomText{color:#666;font-size:13px;margin-top:12px}`;

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
  /** The variant this session's page shows (accordion, Link, billing address). */
  pageLayout: PageLayout;
  /** The selected shipping option's rate (`shipping_cost.shipping_rate`), for its name. */
  shippingRate?: StripeObject | null;
}

type Field = (id: string, label: string, input: string) => string;

const PHONE = (field: Field) =>
  field(
    'phoneNumber',
    'Phone number',
    `<input id="phoneNumber" name="phoneNumber" type="tel" autocomplete="tel" placeholder="(201) 555-0123" aria-describedby="phoneNumber-error">`,
  );

const options = (list: [string, string][], selected?: string) =>
  list.map(([code, name]) => `<option value="${code}"${code === selected ? ' selected' : ''}>${escapeHtml(name)}</option>`).join('');

/**
 * The card and its billing details. `auto` asks for country and postal code (today's page);
 * `required` for the full address, collapsed behind "Enter address manually" as on real
 * Checkout until the buyer types the first line or asks for the fields.
 */
function cardFields(address: PageLayout['address'], field: Field): string {
  const errorSlot = (id: string) => `<div class="FieldError" id="${id}-error" role="alert" hidden></div>`;
  const country = `<label for="billingCountry">Country or region</label>
      <select id="billingCountry" name="billingCountry" autocomplete="billing country">${options(COUNTRIES, 'US')}</select>`;
  const postal = field(
    'billingPostalCode',
    'ZIP',
    `<input id="billingPostalCode" name="billingPostalCode" autocomplete="billing postal-code" placeholder="ZIP" aria-describedby="billingPostalCode-error">`,
  );
  const billing =
    address === 'required'
      ? `<fieldset class="BillingAddress" aria-label="Billing address" style="border:0;padding:0;margin:0">
      ${country}
      ${field('billingAddressLine1', 'Address line 1', `<input id="billingAddressLine1" name="billingAddressLine1" autocomplete="billing address-line1" placeholder="Address" aria-describedby="billingAddressLine1-error">`)}
      <button type="button" class="AddressAutocomplete-manual-entry" id="billingAddressManualEntry">Enter address manually</button>
      <div id="billingAddressDetails" hidden>
        ${field('billingAddressLine2', 'Address line 2', `<input id="billingAddressLine2" name="billingAddressLine2" autocomplete="billing address-line2" placeholder="Address line 2 (optional)">`)}
        ${field('billingLocality', 'City', `<input id="billingLocality" name="billingLocality" autocomplete="billing address-level2" placeholder="City" aria-describedby="billingLocality-error">`)}
        ${postal}
        <div id="billingAdministrativeArea-group">${field('billingAdministrativeArea', 'State', `<select id="billingAdministrativeArea" name="billingAdministrativeArea" autocomplete="billing address-level1" aria-describedby="billingAdministrativeArea-error"><option value="">State</option>${options(US_STATES)}</select>`)}</div>
      </div>
    </fieldset>`
      : `${country}
      ${postal}`;
  return `<div class="Label" id="cardInfo-label">Card information</div>
      <div class="CardFields" role="group" aria-labelledby="cardInfo-label">
        <input id="cardNumber" name="cardNumber" inputmode="numeric" autocomplete="cc-number" placeholder="1234 1234 1234 1234" aria-label="Card number" aria-describedby="cardNumber-error">
        <div class="CardFields-row">
          <input id="cardExpiry" name="cardExpiry" inputmode="numeric" autocomplete="cc-exp" placeholder="MM / YY" aria-label="Expiration" aria-describedby="cardExpiry-error">
          <input id="cardCvc" name="cardCvc" inputmode="numeric" autocomplete="cc-csc" placeholder="CVC" aria-label="CVC" aria-describedby="cardCvc-error">
        </div>
      </div>
      ${errorSlot('cardNumber')}${errorSlot('cardExpiry')}${errorSlot('cardCvc')}
      ${field('billingName', 'Cardholder name', `<input id="billingName" name="billingName" autocomplete="cc-name" placeholder="Full name on card" aria-describedby="billingName-error">`)}
      ${billing}`;
}

/**
 * Several payment methods as real Checkout lists them: a radio per method under a transparent
 * button (`[data-testid="card-accordion-item-button"]`) that covers the row and takes its
 * clicks. The card's fields are added to the DOM only when its item is opened.
 */
function accordion(methods: NonNullable<PageLayout['methods']>): string {
  const items = methods
    .map((m) => {
      const label = METHOD_LABELS[m];
      return `<div class="AccordionItem" data-testid="${m}-accordion-item" data-method="${m}">
        <div class="AccordionItem-header">
          <input type="radio" id="payment-method-accordion-item-title-${m}" name="payment-method-accordion-item-title" value="${m}" aria-label="${label}">
          <label id="payment-method-label-${m}" for="payment-method-accordion-item-title-${m}">${label}</label>
          <button type="button" class="AccordionItem-cover" data-testid="${m}-accordion-item-button" aria-label="Pay with ${label.toLowerCase()}" aria-expanded="false" aria-controls="payment-method-content-${m}"></button>
        </div>
        <div class="AccordionItem-content" id="payment-method-content-${m}" hidden></div>
      </div>`;
    })
    .join('');
  return `<div class="Accordion" id="paymentMethod" role="radiogroup" aria-label="Payment method" aria-describedby="paymentMethod-error" data-state="entering">${items}</div>
      <div class="FieldError" id="paymentMethod-error" role="alert" hidden></div>`;
}

/**
 * The promotion code field of a session with `allow_promotion_codes`, as real Checkout shows it:
 * an "Add promotion code" button that opens `#promotionCode` and its "Apply" button; an applied
 * code shows as a chip, its discount as a line of the order summary.
 */
function promotionCode(session: StripeObject, currency: string): string {
  const discount = session.total_details?.amount_discount ?? 0;
  const applied = session.discounts?.[0];
  const discountLine = `<div class="OrderSubtotal" id="OrderDetails-subtotal"${discount ? '' : ' hidden'}><span>Subtotal</span><span id="OrderDetails-subtotal-amount">${formatAmount(session.amount_subtotal, currency)}</span></div>
    <div class="OrderDiscount" id="OrderDetails-discount" data-testid="order-discount"${discount ? '' : ' hidden'}><span id="OrderDetails-discount-name">${escapeHtml(applied?.promotion_code ? 'Promotion code' : 'Discount')}</span><span id="OrderDetails-discount-amount">-${formatAmount(discount, currency)}</span></div>`;
  if (!session.allow_promotion_codes) return discountLine;
  return `${discountLine}
    <div class="PromotionCode" data-testid="promotion-code">
      <button type="button" class="PromotionCode-toggle" id="promotionCodeToggle" aria-controls="promotionCodeEntry" aria-expanded="false">Add promotion code</button>
      <div class="PromotionCode-entry" id="promotionCodeEntry" hidden>
        <input id="promotionCode" name="promotionCode" autocomplete="off" placeholder="Add promotion code" aria-label="Add promotion code" aria-describedby="promotionCode-error">
        <button type="button" class="PromotionCode-apply" id="promotionCodeApply" data-testid="promotion-code-apply">Apply</button>
      </div>
      <div class="FieldError" id="promotionCode-error" role="alert" hidden></div>
      <div class="PromotionCode-applied" id="promotionCodeApplied" data-testid="applied-promotion-code" hidden></div>
    </div>`;
}

/** The session's `custom_fields`: a text or numeric input, or a dropdown, each labelled with its label. */
function customFields(fields: StripeObject[], field: Field): string {
  return fields
    .map((f) => {
      const id = `customField-${f.key}`;
      const label = `${escapeHtml(f.label.custom)}${f.optional ? ' (optional)' : ''}`;
      if (f.type === 'dropdown') {
        const opts = f.dropdown.options as { label: string; value: string }[];
        const none = f.dropdown.default_value ? '' : '<option value="">Select an option</option>';
        return field(
          id,
          label,
          `<select id="${id}" name="${id}" data-custom-field="${escapeHtml(f.key)}" aria-describedby="${id}-error">${none}${options(
            opts.map((o): [string, string] => [o.value, o.label]),
            f.dropdown.default_value ?? undefined,
          )}</select>`,
        );
      }
      const limits = f[f.type] ?? {};
      return field(
        id,
        label,
        `<input id="${id}" name="${id}" data-custom-field="${escapeHtml(f.key)}"${f.type === 'numeric' ? ' inputmode="numeric"' : ''}${limits.maximum_length ? ` maxlength="${limits.maximum_length}"` : ''} value="${escapeHtml(limits.default_value ?? '')}" aria-describedby="${id}-error">`,
      );
    })
    .join('');
}

/** Link's opt-in; checked, Link wants a phone number before the form is complete (unless the form asks for one already). */
function linkOptIn(businessName: string, checked: boolean, field: Field, phoneAsked = false): string {
  return `<div class="LinkOptIn" data-testid="link-opt-in">
        <label class="Checkbox" for="enableStripePass"><input type="checkbox" id="enableStripePass" name="enableStripePass"${checked ? ' checked' : ''}> Save my information for faster checkout</label>
        <div class="LinkOptIn-detail">Pay securely at ${escapeHtml(businessName)} and everywhere Link is accepted.</div>
        ${phoneAsked ? '' : `<div id="linkPhone"${checked ? '' : ' hidden'}>${PHONE(field)}</div>`}
      </div>`;
}

/**
 * The order summary of a session that charges: the headline and total, the line items, the
 * selected shipping option, the promotion code field, the total due.
 */
function orderSummary(session: StripeObject, items: StripeObject[], businessName: string, shippingRate: StripeObject | null): string {
  const currency = session.currency as string;
  const subscribe = session.mode === 'subscription';
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
        <div><div class="LineItem-amount">${formatAmount(li.amount_subtotal ?? li.amount_total, currency)}</div><div class="LineItem-interval">${escapeHtml(intervalText(li.price))}</div></div>
      </div>`,
    )
    .join('');
  const total = formatAmount(session.amount_total, currency);
  const firstInterval = intervalText(first.price);
  const shipping = session.shipping_cost
    ? `<div class="OrderShipping" id="OrderDetails-shipping" data-testid="order-shipping"><span id="OrderDetails-shipping-name">${escapeHtml(shippingRate?.display_name ?? 'Shipping')}</span><span id="OrderDetails-shipping-amount">${formatAmount(session.shipping_cost.amount_total, currency)}</span></div>`
    : '';
  return `<div class="ProductSummary-name">${escapeHtml(headline)}</div>
    <div class="ProductSummary-totalAmount" id="ProductSummary-totalAmount"><span id="ProductSummary-amount">${total}</span>${firstInterval ? ` <span class="LineItem-interval">${escapeHtml(firstInterval)}</span>` : ''}</div>
    ${lines}
    ${shipping}
    ${promotionCode(session, currency)}
    <div class="OrderTotal"><span>${subscribe ? 'Total due today' : 'Total due'}</span><span id="OrderDetails-total">${total}</span></div>`;
}

/** What a `setup` session's page says instead of an order: nothing is charged, the card is saved. The wording is the emulator's. */
function setupSummary(businessName: string): string {
  return `<div class="ProductSummary-name" id="ProductSummary-setup">${escapeHtml(`Save a card with ${businessName}`)}</div>
    <p class="CustomText" data-testid="setup-summary">You will not be charged now. Your card is saved for future payments to ${escapeHtml(businessName)}.</p>`;
}

export function checkoutPage({ session, items, businessName, email, now, pageLayout, shippingRate = null }: PageData): string {
  const setup = session.mode === 'setup';
  const subscribe = session.mode === 'subscription';
  const submitLabel = setup
    ? 'Save card'
    : session.submit_type === 'donate'
      ? 'Donate'
      : session.submit_type === 'book'
        ? 'Book'
        : subscribe
          ? 'Subscribe'
          : 'Pay';
  // Link's opt-in starts checked when Checkout already knows the buyer's email (the session's).
  const linkChecked = pageLayout.link && Boolean(email);
  const phoneAsked = Boolean(session.phone_number_collection?.enabled);
  const fields: StripeObject[] = session.custom_fields ?? [];
  const submitText = session.custom_text?.submit?.message;
  const state = {
    confirmUrl: `/c/pay/${session.id}/confirm`,
    submitLabel,
    emailLocked: Boolean(email),
    now,
    testCards: Object.keys(TEST_CARDS),
    layout: pageLayout,
    methodLabels: METHOD_LABELS,
    phoneAsked,
    customFields: fields,
    promotionCodeUrl: `/c/pay/${session.id}/promotion-code`,
  };
  const field = (id: string, label: string, input: string) =>
    `<label for="${id}">${label}</label>${input}<div class="FieldError" id="${id}-error" role="alert" hidden></div>`;
  const back = session.cancel_url
    ? `<a class="Header-business" href="${escapeHtml(session.cancel_url)}" data-testid="business-link" aria-label="Back to ${escapeHtml(businessName)}">&larr; ${escapeHtml(businessName)}</a>`
    : `<span class="Header-business">${escapeHtml(businessName)}</span>`;
  const cardSection = cardFields(pageLayout.address, field);
  const payment = pageLayout.methods ? `${accordion(pageLayout.methods)}<template id="card-fields">${cardSection}</template>` : cardSection;
  return layout(
    `${businessName}`,
    `<main class="App" data-testid="checkout-container">
  <section class="OrderSummary" aria-label="Order summary">
    <header>${back}</header>
    ${setup ? setupSummary(businessName) : orderSummary(session, items, businessName, shippingRate)}
  </section>
  <section class="PaymentForm">
    <form id="payment-form" novalidate>
      <h2>Contact information</h2>
      ${field('email', 'Email', `<input id="email" name="email" type="email" autocomplete="email" placeholder="email@example.com" value="${escapeHtml(email ?? '')}"${email ? ' readonly aria-readonly="true"' : ''} aria-describedby="email-error">`)}
      ${phoneAsked ? PHONE(field) : ''}
      ${customFields(fields, field)}
      <h2>Payment method</h2>
      ${payment}
      <div class="FieldError" id="card-errors" role="alert" hidden></div>
      ${pageLayout.link ? linkOptIn(businessName, linkChecked, field, phoneAsked) : ''}
      <button class="SubmitButton SubmitButton--incomplete" type="submit" data-testid="hosted-payment-submit-button" disabled><div class="SubmitButton-Text">${submitLabel}</div><div class="SubmitButton-IconContainer"><div class="SubmitButton-SpinnerIcon" hidden></div><div class="SubmitButton-CheckmarkIcon" hidden>&#10003;</div></div></button>
      ${submitText ? `<p class="CustomText" data-testid="custom-text-submit">${escapeHtml(submitText)}</p>` : ''}
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

/** The challenge of a payment of `amount`, or of a card being saved (`null`: a setup session). */
export function challengePage(amount: string | null): string {
  const what = amount === null ? 'saving this card for future payments' : `a payment of ${escapeHtml(amount)}`;
  return layout(
    '3D Secure 2 Test Page',
    `<main class="Notice" style="margin:24px auto"><h1>3D Secure 2 Test Page</h1>
<p>This is a test authentication page for ${what}. In live mode, the cardholder's bank would ask them to confirm.</p>
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
