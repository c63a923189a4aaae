/**
 * HTML of the hosted customer portal: plain server-rendered pages whose actions are form posts,
 * so the page needs no script. Real Stripe's portal DOM is not a documented contract; the
 * `data-testid`s here are the emulator's own (docs/emulators.md lists them).
 */
import { escapeHtml } from '../checkout-page/render.ts';
import { formatAmount } from '../money.ts';
import type { StripeObject } from '../store.ts';

const STYLE = `
*{box-sizing:border-box}body{margin:0;font:15px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#f7f7f7}
.Portal{max-width:720px;margin:0 auto;padding:32px 16px}
.Portal-header{display:flex;justify-content:space-between;align-items:center;margin-bottom:24px}
.Portal-business{font-weight:600}.Portal-return{color:#0074d4;text-decoration:none}
.Section{background:#fff;border:1px solid #e6e6e6;border-radius:8px;padding:20px;margin-top:16px}
.Section h2{font-size:13px;text-transform:uppercase;color:#666;margin:0 0 12px}
.Plan+.Plan{border-top:1px solid #e6e6e6;margin-top:16px;padding-top:16px}
.Plan-name{font-size:18px;font-weight:600}.Plan-price{font-size:15px}.Plan-status{color:#666;font-size:14px}
.Badge{display:inline-block;background:#ffefc2;border-radius:4px;padding:0 6px;font-size:12px;margin-left:8px}
.Actions{display:flex;gap:8px;margin-top:12px}
.Button{display:inline-block;padding:8px 14px;border:1px solid #d9d9d9;border-radius:6px;background:#fff;color:#1a1a1a;font:inherit;text-decoration:none;cursor:pointer}
.Button--primary{background:#0074d4;border-color:#0074d4;color:#fff}.Button--danger{background:#df1b41;border-color:#df1b41;color:#fff}
.Option{display:flex;gap:10px;align-items:center;border:1px solid #d9d9d9;border-radius:6px;padding:12px;margin-top:8px;cursor:pointer}
.Option input{margin:0}.Option--current{color:#666;cursor:default}
.Error{color:#df1b41;margin-top:12px}.Muted{color:#666}`;

export interface PortalView {
  session: StripeObject;
  businessName: string;
  headline: string | null;
  /** `<html lang>`: the session's locale (text stays English). */
  lang: string;
}

function layout(view: PortalView, title: string, body: string): string {
  const ret = view.session.return_url
    ? `<a class="Portal-return" data-testid="return-link" href="${escapeHtml(view.session.return_url)}">← Return to ${escapeHtml(view.businessName)}</a>`
    : '';
  const headline = view.headline ? `<p class="Muted">${escapeHtml(view.headline)}</p>` : '';
  return `<!doctype html><html lang="${escapeHtml(view.lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><div class="Portal"><header class="Portal-header"><span class="Portal-business">${escapeHtml(view.businessName)}</span>${ret}</header>${headline}<main>${body}</main></div></body></html>`;
}

const date = (unix: number) => new Date(unix * 1000).toLocaleDateString('en-US', { month: 'long', day: 'numeric', year: 'numeric', timeZone: 'UTC' });

function interval(price: StripeObject): string {
  const { interval: unit, interval_count: n } = price.recurring;
  return n === 1 ? `per ${unit}` : `every ${n} ${unit}s`;
}

/** "$49.00 per month". */
export function priceText(price: StripeObject): string {
  return `${formatAmount(price.unit_amount ?? 0, price.currency)} ${interval(price)}`;
}

export interface PlanRow {
  subscription: StripeObject;
  /** Product names by id, for the items. */
  productNames: Record<string, string>;
  canCancel: boolean;
  canUpdate: boolean;
}

function statusLine(sub: StripeObject): string {
  const end = (sub.items.data as StripeObject[])[0]?.current_period_end as number;
  if (sub.cancel_at) return `Cancels on ${date(sub.cancel_at)}`;
  if (sub.status === 'trialing' && sub.trial_end) return `Trial ends on ${date(sub.trial_end)}`;
  if (sub.status === 'past_due') return `Payment past due; renews on ${date(end)}`;
  return `Renews on ${date(end)}`;
}

const base = (session: StripeObject) => `/p/session/${encodeURIComponent(session.id)}`;

export function homePage(view: PortalView, plans: PlanRow[], card: StripeObject | null, showPaymentMethod: boolean, notice?: string): string {
  const rows = plans.map(({ subscription: sub, productNames, canCancel, canUpdate }) => {
    const items = (sub.items.data as StripeObject[])
      .map(
        (si) =>
          `<div class="Plan-name">${escapeHtml(productNames[si.price.product] ?? 'Plan')}${si.quantity > 1 ? ` × ${si.quantity}` : ''}${sub.cancel_at ? '<span class="Badge">Canceled</span>' : ''}</div><div class="Plan-price" data-testid="plan-price">${escapeHtml(priceText(si.price))}</div>`,
      )
      .join('');
    const href = `${base(view.session)}/subscriptions/${encodeURIComponent(sub.id)}`;
    const actions = [
      canUpdate ? `<a class="Button Button--primary" data-testid="update-subscription" href="${href}/update">Update plan</a>` : '',
      canCancel && !sub.cancel_at ? `<a class="Button" data-testid="cancel-subscription" href="${href}/cancel">Cancel plan</a>` : '',
    ].join('');
    return `<div class="Plan" data-subscription="${escapeHtml(sub.id)}">${items}<div class="Plan-status" data-testid="plan-status">${escapeHtml(statusLine(sub))}</div>${actions ? `<div class="Actions">${actions}</div>` : ''}</div>`;
  });
  const plansSection = `<section class="Section" aria-label="Current subscription"><h2>Current subscription</h2>${rows.length ? rows.join('') : '<p class="Muted">No active subscriptions.</p>'}</section>`;
  const pm = showPaymentMethod
    ? `<section class="Section" aria-label="Payment method"><h2>Payment method</h2>${
        card?.card
          ? `<p data-testid="payment-method">${escapeHtml(card.card.brand)} •••• ${escapeHtml(card.card.last4)}</p>`
          : '<p class="Muted">No payment method on file.</p>'
      }</section>`
    : '';
  const flash = notice ? `<p class="Section" role="status">${escapeHtml(notice)}</p>` : '';
  return layout(view, 'Billing', `${flash}${plansSection}${pm}`);
}

export function cancelPage(view: PortalView, sub: StripeObject, productName: string, mode: 'at_period_end' | 'immediately', error?: string): string {
  const end = (sub.items.data as StripeObject[])[0]!.current_period_end as number;
  const what =
    mode === 'at_period_end'
      ? `Your subscription will be canceled, but is still available until the end of your billing period on ${date(end)}.`
      : 'Your subscription will be canceled immediately.';
  return layout(
    view,
    'Cancel your plan',
    `<section class="Section"><h2>Cancel your plan</h2><p class="Plan-name">${escapeHtml(productName)}</p><p>${escapeHtml(what)}</p>
<form method="post" action="${base(view.session)}/subscriptions/${encodeURIComponent(sub.id)}/cancel"><div class="Actions">
<button class="Button Button--danger" type="submit" data-testid="confirm-cancel">Cancel plan</button>
<a class="Button" href="${base(view.session)}">Go back</a></div></form>${error ? `<p class="Error" role="alert">${escapeHtml(error)}</p>` : ''}</section>`,
  );
}

export interface PriceOption {
  price: StripeObject;
  productName: string;
  current: boolean;
}

export function updatePage(view: PortalView, sub: StripeObject, options: PriceOption[], preselected?: string, error?: string): string {
  const rows = options
    .map(({ price, productName, current }) => {
      const id = `price-${price.id}`;
      const label = `${productName} — ${priceText(price)}${current ? ' (current plan)' : ''}`;
      return `<label class="Option${current ? ' Option--current' : ''}" data-testid="${escapeHtml(id)}"><input type="radio" name="price" value="${escapeHtml(price.id)}"${current ? ' disabled' : ''}${preselected === price.id ? ' checked' : ''}> ${escapeHtml(label)}</label>`;
    })
    .join('');
  return layout(
    view,
    'Update your plan',
    `<section class="Section"><h2>Update your plan</h2>
<form method="post" action="${base(view.session)}/subscriptions/${encodeURIComponent(sub.id)}/update"><fieldset style="border:0;padding:0;margin:0"><legend class="Muted">Choose a plan</legend>${rows}</fieldset>
<div class="Actions"><button class="Button Button--primary" type="submit" data-testid="confirm-update">Confirm</button><a class="Button" href="${base(view.session)}">Go back</a></div></form>${error ? `<p class="Error" role="alert">${escapeHtml(error)}</p>` : ''}</section>`,
  );
}

export function confirmationPage(view: PortalView, message: string): string {
  return layout(
    view,
    'Done',
    `<section class="Section" role="status"><h2>Done</h2><p data-testid="confirmation-message">${escapeHtml(message)}</p><a class="Button" href="${base(view.session)}">Back to billing</a></section>`,
  );
}

export function paymentMethodPage(view: PortalView, card: StripeObject | null): string {
  return layout(
    view,
    'Payment method',
    `<section class="Section"><h2>Payment method</h2>${
      card?.card
        ? `<p data-testid="payment-method">${escapeHtml(card.card.brand)} •••• ${escapeHtml(card.card.last4)}</p>`
        : '<p class="Muted">No payment method on file.</p>'
    }<p class="Muted">Adding a new card is not served by the emulator's portal.</p><a class="Button" href="${base(view.session)}">Back to billing</a></section>`,
  );
}
