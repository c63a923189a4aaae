/**
 * The Slack messages, built from summary.json alone: the alert of a failure (Block Kit, with a
 * one-line `text` fallback that notifications show), the short replies while it keeps failing,
 * "recovered", and the quieter notes for inconclusive, flaky and passed runs. Within Slack's
 * limits: at most 50 blocks, 3,000 characters a section, 150 a header, 75 a button's text.
 */
import { STAGE_TITLES } from '../errors.ts';
import type { RunSummary, TestSummary } from '../runner/summary-schema.ts';
import { isApiCheck } from '../runner/summary.ts';
import { clip, codeBlock, escapeText, fit, link } from './mrkdwn.ts';

export type MessageKind = 'alert' | 'still-failing' | 'reminder' | 'recovered' | 'inconclusive' | 'flaky' | 'passed';

export interface Who {
  /** `<@U123>` or `<!subteam^S123>`, when Slack knows them. */
  mention: string | null;
  /** What to show otherwise: the deployer's name or email, the on-call's handle. */
  label: string;
  role: 'deployer' | 'on-call';
}

export interface MessageContext {
  kind: MessageKind;
  who: Who | null;
  /** Published reports (CANARY_REPORT_URL), the CI job (CANARY_CI_URL); absent when not configured. */
  reportUrl?: string;
  ciUrl?: string;
  /** For replies and "recovered": how many runs in a row failed, and since when (ISO). */
  streak?: { failures: number; since: string };
}

export interface SlackMessage {
  text: string;
  blocks: Block[];
}

export type Block = Record<string, unknown> & { type: string };

export const LIMITS = { blocks: 50, section: 3000, header: 150, button: 75, field: 2000, fields: 10, actions: 25 } as const;
/** Failing tests shown in full in one alert; the rest are counted. */
const MAX_TESTS = 5;

const section = (text: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text: text.slice(0, LIMITS.section) } });
const context = (text: string): Block => ({ type: 'context', elements: [{ type: 'mrkdwn', text: text.slice(0, LIMITS.section) }] });

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  const m = Math.round(s / 60);
  return m < 120 ? `${m} min` : `${(m / 60).toFixed(1)} h`;
}

function checkName(s: RunSummary): string {
  return `checkout-canary ${s.check ?? s.grep ?? 'all'}`;
}

function targetText(s: RunSummary): string {
  const stripe = s.target.stripe === 'stripe' ? 'Stripe test mode' : 'the Stripe emulator';
  const app = `${s.target.app === 'deployed' ? 'app' : 'embedded demo app'} ${s.target.app_url}${s.target.app_version ? ` (version ${s.target.app_version})` : ''}`;
  return `${stripe}; ${app}`;
}

function whoText(who: Who | null): string | null {
  if (!who) return null;
  const name = who.mention ?? escapeText(who.label);
  return who.role === 'deployer' ? `Deployed by ${name}` : `On-call: ${name}`;
}

const str = (v: unknown) => (v === null || v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v));

/** The facts that matter for the stage, as lines of raw text (escaped later). */
export function evidenceLines(t: Pick<TestSummary, 'stage' | 'evidence'>): string[] {
  const e = (t.evidence ?? {}) as Record<string, any>;
  switch (t.stage) {
    case 'webhook': {
      const lines = [`Event ${str(e.event?.id)} (${str(e.event?.type)}): pending_webhooks ${str(e.pending_webhooks)}`];
      const endpoints = (e.endpoints ?? []) as { url: string; app: boolean; answers: unknown[] }[];
      const mine = endpoints.find((x) => x.app);
      if (endpoints.length)
        lines.push(mine ? `The app's endpoint ${mine.url} answered ${mine.answers.join(', ')}` : `No delivery to the app's endpoint ${str(e.app_endpoint)}`);
      else lines.push(`The app's endpoint ${str(e.app_endpoint)}: ${e.app_acknowledged_at ? 'acknowledged' : 'no record of acknowledging it'}`);
      for (const other of endpoints.filter((x) => !x.app)) lines.push(`Another endpoint of the account, ${other.url}, answered ${other.answers.join(', ')}`);
      const stuck = (e.stuck_events ?? []) as { id: string; type: string; age_s: number }[];
      if (stuck.length > 1)
        lines.push(
          `${stuck.length - 1} more waiting: ${stuck
            .slice(1, 6)
            .map((x) => `${x.id} (${x.type}, ${duration(x.age_s * 1000)} old)`)
            .join(', ')}${stuck.length > 6 ? ', …' : ''}`,
        );
      return lines;
    }
    case 'card-result': {
      const se = e.stripe_error as { code?: string; decline_code?: string; payment_intent?: string } | null;
      return [
        `Expected Checkout to ${e.expected === 'left' ? 'accept the card' : e.expected === 'error' ? 'refuse the card' : 'ask for 3D Secure'}; it ${str(e.outcome?.kind)}${e.outcome?.message ? `: "${e.outcome.message}"` : ''}`,
        ...(se ? [`Stripe recorded ${str(se.code)}${se.decline_code ? `/${se.decline_code}` : ''} on ${str(se.payment_intent)}`] : []),
      ];
    }
    case 'checkout-ui':
      if (e.shown) return [`Checkout shows ${(e.shown as string[]).join(', ') || 'no amount'}; the Pro price is ${str(e.expected)} (${str(e.price)})`];
      break;
    case 'app-not-updated': {
      const disagreements = (e.disagreements ?? null) as { account: string; subscriptions: string[]; stripe: string; app: string }[] | null;
      if (disagreements)
        return disagreements
          .slice(0, 10)
          .map((d) => `${d.account}: ${d.subscriptions.join(', ')} ${d.stripe} in Stripe; the app says ${d.app}`)
          .concat(disagreements.length > 10 ? [`and ${disagreements.length - 10} more`] : []);
      const state = e.expected_state as { kind?: string } | undefined;
      if (state?.kind)
        return [`Stripe shows ${str(e.subscription)} ${state.kind.replace('_', ' ')}; the app was not updated: ${str(e.app_saw).split('\n')[0]}`];
      return [`Stripe shows ${str(e.session)} complete (subscription ${str(e.subscription)}); the app was not updated`];
    }
    case 'stripe-api':
      return [`HTTP ${str(e.status)} ${str(e.type)}${e.code ? ` (${e.code})` : ''} while ${str(e.while)}; Stripe request ${str(e.request_id)}`];
    case 'app-api':
      if (e.adapter_call) return [`The adapter's ${str(e.adapter_call)} failed: ${str(e.error)}`];
      return [`The app answered ${str(e.status ?? e.code)} to ${str(e.request)}`];
    case 'monitor':
      if (e.copy)
        return [`The schedule copy "${str(e.copy)}" vanished while running ${str(e.occurrence)}${e.run_id ? ` (run ${e.run_id})` : ''}; it is not run again`];
      return [
        `No verdict of ${str(e.check)} within ${duration(Number(e.max_age_ms))}; the last: ${e.last ? `${str(e.last.run_id)} at ${str(e.last.started_at)} (${str(e.last.outcome)})` : 'none recorded'}`,
      ];
    case 'config':
      return [`${str(e.variable)}${e.lookup_key ? ` = ${e.lookup_key}` : ''}${e.status ? ` (HTTP ${e.status})` : ''}`];
    case 'checkout-blocked':
      return [`Checkout at ${str(e.url)}`];
    case 'deploy-not-healthy':
      return [
        `${str(e.url)} answered ${str(e.last_status)}${e.last_version ? ` (version ${e.last_version})` : ''}${e.expected_version ? `; expected version ${e.expected_version}` : ''} after ${duration(Number(e.waited_ms))} and ${str(e.attempts)} attempts`,
        ...(e.last_body ? [`Last body: ${String(e.last_body).slice(0, 300)}`] : []),
      ];
    case 'timeout':
      return [`Stopped after ${duration(Number(e.timeout_ms))} (--timeout) during "${str(e.step)}"`];
    default:
      break;
  }
  if (e.assertion !== undefined) return [`Expected ${str(e.expected)}, received ${str(e.received)} (${str(e.assertion)})`];
  return Object.entries(e).map(([k, v]) => `${k}: ${str(v)}`);
}

/** One failing test: where it failed, the evidence, the error, and what was kept for debugging. */
function testBlocks(t: TestSummary, s: RunSummary): Block[] {
  const head = `*${escapeText(t.title)}* — ${t.outcome}${t.stage_title ? ` at *${escapeText(t.stage_title)}*` : ''}${t.failed_step ? `\nStep: _${escapeText(t.failed_step)}_` : ''}`;
  const blocks: Block[] = [section(fit(head.replace(/\\/g, ''), LIMITS.section))];
  const evidence = evidenceLines(t);
  if (evidence.length) blocks.push(section(`*Evidence*\n${fit(evidence.map((l) => `• ${l}`).join('\n'), LIMITS.section - 14)}`));
  if (t.error) blocks.push(section(`*Error*\n${codeBlock(t.error.split('\n').slice(0, 12).join('\n'), LIMITS.section - 10)}`));
  if (t.cleanup.kept.length) {
    const kept = t.cleanup.kept.map((k) => link(k.link, `${k.type} ${k.id}`) ?? `${escapeText(k.type)} \`${escapeText(k.id)}\``).join(', ');
    const until = t.cleanup.kept_until ? ` until ${t.cleanup.kept_until.slice(0, 16).replace('T', ' ')} UTC` : '';
    blocks.push(context(fit(`Kept for debugging${until}: `, 200) + kept.slice(0, LIMITS.section - 250)));
  }
  void s;
  return blocks;
}

/** The buttons: every link that is configured and outlives the run; none that would be broken. */
export function linkButtons(s: RunSummary, ctx: MessageContext): Block | null {
  const base = ctx.reportUrl?.replace(/\/$/, '');
  const failing = s.tests.find((t) => t.outcome === 'failed' || t.outcome === 'inconclusive');
  // An API check (webhooks, reconcile…) has no HTML report of its own: only its summary.json.
  const browserRun = !isApiCheck(s);
  const buttons: [string, string | undefined][] = [
    ['HTML report', browserRun ? base && `${base}/${s.run_id}/html/index.html` : undefined],
    ['Trace', base && failing?.artifacts.trace && `${base}/${s.run_id}/${failing.artifacts.trace}`],
    ['summary.json', base && `${base}/${s.run_id}/summary.json`],
    ['CI job', ctx.ciUrl],
    // An embedded app and the emulator stop with the run: links to them would be broken.
    [
      'App environment',
      s.target.app === 'deployed' && failing?.environment ? `${s.target.app_url.replace(/\/$/, '')}/e/${failing.environment}/signup` : undefined,
    ],
    ...(s.target.stripe === 'stripe'
      ? Object.entries(failing?.links ?? {}).map(([k, url]): [string, string] => [`Stripe ${k.replace(/^stripe_/, '').replace('_', ' ')}`, url])
      : []),
  ];
  const elements = buttons
    .filter((b): b is [string, string] => !!b[1] && /^https?:\/\//.test(b[1]))
    .slice(0, LIMITS.actions)
    .map(([label, url]) => ({ type: 'button', text: { type: 'plain_text', text: label.slice(0, LIMITS.button) }, url: url.slice(0, 3000) }));
  return elements.length ? { type: 'actions', elements } : null;
}

function header(text: string): Block {
  return { type: 'header', text: { type: 'plain_text', text: text.slice(0, LIMITS.header) } };
}

function fields(s: RunSummary, ctx: MessageContext): Block {
  const f = [
    `*Trigger*\n${escapeText(s.trigger)}`,
    `*Target*\n${escapeText(targetText(s))}`,
    `*Run*\n\`${escapeText(s.run_id)}\``,
    `*Duration*\n${duration(s.duration_ms)}`,
    ...(s.commit ? [`*Commit*\n\`${escapeText(s.commit.slice(0, 12))}\``] : []),
    ...(whoText(ctx.who) ? [`*${ctx.who!.role === 'deployer' ? 'Deployer' : 'On-call'}*\n${whoText(ctx.who)!.replace(/^(Deployed by|On-call:) /, '')}`] : []),
  ];
  return { type: 'section', fields: f.slice(0, LIMITS.fields).map((text) => ({ type: 'mrkdwn', text: text.slice(0, LIMITS.field) })) };
}

/** The first line notifications show. */
function oneLine(s: RunSummary, ctx: MessageContext): string {
  const failing = s.tests.filter((t) => t.outcome === 'failed' || t.outcome === 'inconclusive');
  const first = failing[0];
  const where = first
    ? `: ${escapeText(first.title)}${first.stage_title ? ` at ${escapeText(first.stage_title)}` : ''}`
    : s.stage
      ? `: ${escapeText(STAGE_TITLES[s.stage])}`
      : '';
  const who = whoText(ctx.who);
  return `${escapeText(checkName(s))} ${s.outcome.toUpperCase()} (${s.trigger})${where}${failing.length > 1 ? ` and ${failing.length - 1} more` : ''}${who ? ` — ${who}` : ''}`;
}

export function buildMessage(s: RunSummary, ctx: MessageContext): SlackMessage {
  const who = whoText(ctx.who);
  const since = ctx.streak ? ` since ${ctx.streak.since.slice(0, 16).replace('T', ' ')} UTC` : '';
  switch (ctx.kind) {
    case 'still-failing':
    case 'reminder': {
      const t = s.tests.find((x) => x.outcome === 'failed');
      const text = `Still failing (${ctx.streak?.failures ?? '?'} runs in a row${since}): run ${s.run_id}${t?.stage_title ? ` at ${escapeText(t.stage_title)}` : ''}${ctx.kind === 'reminder' && who ? ` — ${who}` : ''}`;
      const buttons = linkButtons(s, ctx);
      return { text: clip(text, 3000), blocks: [section(clip(text, LIMITS.section)), ...(buttons ? [buttons] : [])] };
    }
    case 'recovered': {
      const text = `:white_check_mark: ${escapeText(checkName(s))} recovered: run ${s.run_id} passed${ctx.streak ? ` after ${ctx.streak.failures} failed run${ctx.streak.failures === 1 ? '' : 's'}${since}, failing for ${duration(Date.parse(s.started_at) - Date.parse(ctx.streak.since))}` : ''}.`;
      return { text: clip(text, 3000), blocks: [section(clip(text, LIMITS.section))] };
    }
    case 'inconclusive': {
      const t = s.tests.find((x) => x.outcome === 'inconclusive');
      const text = `:grey_question: ${escapeText(checkName(s))} was inconclusive (${s.trigger}): ${t ? `${escapeText(t.title)} — ${escapeText(t.stage_title ?? 'blocked')}` : 'no verdict'}. Not counted as a failure.`;
      const blocks = [section(clip(text, LIMITS.section))];
      if (t) blocks.push(context(fit(evidenceLines(t).join(' · '), 2000)));
      return { text: clip(text, 3000), blocks };
    }
    case 'flaky': {
      const titles = s.tests.filter((x) => x.outcome === 'flaky').map((x) => `${x.title} (${x.attempts} attempts)`);
      const text = `${checkName(s)} passed on a retry (flaky): ${titles.join(', ')} — run ${s.run_id}`;
      return { text: fit(text, 3000), blocks: [context(fit(text, LIMITS.section))] };
    }
    case 'passed': {
      const text = `${checkName(s)} passed (${s.trigger}) in ${duration(s.duration_ms)} — run ${s.run_id}`;
      return { text: fit(text, 3000), blocks: [context(fit(text, LIMITS.section))] };
    }
    default: {
      const failing = s.tests.filter((t) => t.outcome === 'failed' || t.outcome === 'aborted');
      const blocks: Block[] = [header(`:rotating_light: ${checkName(s)} ${s.outcome.toUpperCase()} (${s.trigger})`)];
      if (who) blocks.push(section(`${who}${s.commit ? ` · commit \`${escapeText(s.commit.slice(0, 12))}\`` : ''}`));
      blocks.push(fields(s, ctx));
      if (s.stage && s.deploy) {
        const lines = evidenceLines({ stage: s.stage, evidence: s.deploy as Record<string, unknown> });
        blocks.push(
          { type: 'divider' },
          section(`*${escapeText(STAGE_TITLES[s.stage])}*: the run did not start\n${fit(lines.map((l) => `• ${l}`).join('\n'), LIMITS.section - 200)}`),
        );
      }
      for (const t of failing.slice(0, MAX_TESTS)) blocks.push({ type: 'divider' }, ...testBlocks(t, s));
      if (failing.length > MAX_TESTS) blocks.push(context(`…and ${failing.length - MAX_TESTS} more failing tests in the report.`));
      for (const e of s.errors.slice(0, 2)) blocks.push(section(`*Error outside the tests*\n${codeBlock(e, LIMITS.section - 30)}`));
      const buttons = linkButtons(s, ctx);
      if (buttons) blocks.push(buttons);
      if (s.stopped)
        blocks.push(
          context(
            s.stopped.reason === 'timeout'
              ? `Stopped by --timeout after ${duration(s.stopped.after_ms)}.`
              : s.stopped.reason === 'lost'
                ? `Stopped after ${duration(s.stopped.after_ms)}: the process running it went away.`
                : `Stopped by ${s.stopped.signal} after ${duration(s.stopped.after_ms)}.`,
          ),
        );
      blocks.push(context(`checkout-canary · run \`${escapeText(s.run_id)}\` · ${escapeText(s.started_at)}`));
      return { text: clip(oneLine(s, ctx), 3000), blocks: blocks.slice(0, LIMITS.blocks) };
    }
  }
}
