/** Server-rendered pages: plain, accessible HTML with labels and roles a person would use. */
const esc = (s: unknown): string => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:640px;margin:40px auto;padding:0 16px;color:#1a1a1a}
label{display:block;margin-top:12px}input{display:block;width:100%;padding:8px;font:inherit}
button{margin-top:16px;padding:10px 16px;font:inherit;cursor:pointer}.notice{padding:12px;background:#f3f6ff;border-radius:6px}
.error{padding:12px;background:#fdecec;border-radius:6px}`;

export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)} · Canary SaaS</title><style>${STYLE}</style></head><body><header><p><strong>Canary SaaS</strong></p></header><main>${body}</main></body></html>`;
}

export function signupPage(environmentId: string, error?: string, values: { email?: string; name?: string } = {}): string {
  return page(
    'Sign up',
    `<h1>Create your account</h1>
${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
<form method="post" action="/e/${esc(environmentId)}/signup">
  <label for="email">Email</label><input id="email" name="email" type="email" autocomplete="email" required value="${esc(values.email)}">
  <label for="name">Name</label><input id="name" name="name" autocomplete="name" value="${esc(values.name)}">
  <button type="submit">Create account</button>
</form>`,
  );
}

export interface PlanView {
  plan: 'free' | 'pro';
  renewsAt: number | null;
  /** The paid plan's Stripe status (active, trialing, past_due); null on Free. */
  status: string | null;
  /** When a plan set to cancel ends; null when it renews. */
  cancelsAt: number | null;
}

const planName = (p: PlanView) => (p.plan === 'pro' ? 'Pro' : 'Free');
const day = (unix: number) => new Date(unix * 1000).toISOString().slice(0, 10);
/** "Renews on …", or "Cancels on …" for a plan set to cancel; '' on Free and while a renewal payment is past due. */
export const renewalText = (p: PlanView) => {
  if (p.plan !== 'pro' || p.status === 'past_due') return '';
  if (p.cancelsAt) return `Cancels on ${day(p.cancelsAt)}`;
  return p.renewsAt ? `Renews on ${day(p.renewsAt)}` : '';
};
export const PAST_DUE_TEXT = 'Your last payment failed. Update your card in Manage billing to keep Pro.';

export function billingPage(base: string, email: string, plan: PlanView, attempt: string, notice?: string, error?: string): string {
  return page(
    'Billing',
    `<h1>Billing</h1>
<p>Signed in as ${esc(email)}</p>
${notice ? `<p class="notice" role="status">${esc(notice)}</p>` : ''}
${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
<section aria-labelledby="plan-heading"><h2 id="plan-heading">Current plan</h2>
<p id="current-plan" data-testid="current-plan">${planName(plan)}</p>
<p id="renewal">${esc(renewalText(plan))}</p>
${plan.status === 'past_due' ? `<p class="error" role="alert" id="past-due">${esc(PAST_DUE_TEXT)}</p>` : ''}</section>
${plan.plan === 'free' ? `<form method="post" action="${esc(base)}/upgrade"><input type="hidden" name="attempt" value="${esc(attempt)}"><button type="submit">Upgrade to Pro</button></form>` : ''}
${plan.plan === 'pro' ? `<form method="post" action="${esc(base)}/billing/portal"><button type="submit">Manage billing</button></form>` : ''}`,
  );
}

/** After Checkout: waits for the webhook to fulfil the upgrade, without a manual reload. */
export function returnPage(base: string, plan: PlanView): string {
  const done = plan.plan === 'pro';
  return page(
    'Upgrading',
    `<h1>Billing</h1>
<p id="upgrade-status" role="status" aria-live="polite">${done ? 'You are on Pro.' : 'Processing your upgrade…'}</p>
<section aria-labelledby="plan-heading"><h2 id="plan-heading">Current plan</h2>
<p id="current-plan" data-testid="current-plan">${planName(plan)}</p>
<p id="renewal">${esc(renewalText(plan))}</p></section>
<p><a href="${esc(base)}/billing">Back to billing</a></p>
<script>
(() => {
  const started = Date.now();
  const poll = async () => {
    try {
      const res = await fetch(${JSON.stringify(`${base}/plan`)}, { headers: { accept: 'application/json' } });
      const p = await res.json();
      if (p.plan === 'pro') {
        document.getElementById('current-plan').textContent = 'Pro';
        document.getElementById('renewal').textContent = p.renewal;
        document.getElementById('upgrade-status').textContent = 'You are on Pro.';
        return;
      }
    } catch {}
    if (Date.now() - started > 120000) {
      document.getElementById('upgrade-status').textContent = 'This is taking longer than usual. We will email you when your upgrade is done.';
      return;
    }
    setTimeout(poll, 400);
  };
  if (${JSON.stringify(!done)}) poll();
})();
</script>`,
  );
}

export function errorPage(status: number, message: string): string {
  return page(
    status === 404 ? 'Not found' : 'Something went wrong',
    `<h1>${status === 404 ? 'Not found' : 'Something went wrong'}</h1><p role="alert">${esc(message)}</p>`,
  );
}

export function landingPage(): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Canary SaaS</title></head><body><main><h1>Canary SaaS</h1><p>A demo product with a Free and a Pro plan. Create an environment through the admin API, then sign up at /e/&lt;environment&gt;/signup.</p></main></body></html>`;
}
