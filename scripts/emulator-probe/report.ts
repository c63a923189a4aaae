/** The probe's report as a table for people, or as one JSON object. */
import { OUTCOMES, type ParamResult, type ProbeReport } from './probe.ts';

const pct = (n: number, of: number) => (of === 0 ? '0.0' : ((n / of) * 100).toFixed(1));

/** `invoice_settings` alone, or `invoice_settings (invoice_settings[footer])` when the server named a member. */
function named(r: ParamResult): string {
  return r.errorParam && r.errorParam !== r.param ? `${r.param} (${r.errorParam})` : r.param;
}

export function renderText(report: ProbeReport): string {
  const { totals } = report;
  const lines: string[] = [
    `Parameter coverage of the Stripe API at ${report.url}: every documented top-level parameter of ${totals.endpoints} endpoints`,
    `(stripe-node ${report.stripeNode}'s types, API ${report.apiVersion}; \`expand\` excluded), one request each; accepted = answered 2xx.`,
    '',
  ];
  const width = Math.max(...report.endpoints.map((e) => e.endpoint.length), 'endpoint'.length) + 2;
  const head = ['accepted', ...OUTCOMES.slice(1)].map((o) => o.padStart(o === 'accepted' ? 10 : Math.max(o.length, 7) + 2)).join('');
  lines.push(`${'endpoint'.padEnd(width)}${head}`);
  for (const e of report.endpoints) {
    const counts = OUTCOMES.slice(1).map((o) => String(e.results.filter((r) => r.outcome === o).length).padStart(Math.max(o.length, 7) + 2));
    lines.push(`${e.endpoint.padEnd(width)}${`${e.accepted}/${e.total}`.padStart(10)}${counts.join('')}`);
  }
  const rest = OUTCOMES.slice(1).map((o) => String(totals.outcomes[o]).padStart(Math.max(o.length, 7) + 2));
  lines.push(`${'total'.padEnd(width)}${`${totals.accepted}/${totals.total}`.padStart(10)}${rest.join('')}`);
  lines.push('');
  lines.push(`Accepted: ${totals.accepted} of ${totals.total} parameters (${pct(totals.accepted, totals.total)} %).`);
  const present = totals.endpoints - totals.routesMissing.length;
  lines.push(
    `On the ${present} routes present: ${totals.acceptedOnPresentRoutes} of ${totals.totalOnPresentRoutes} (${pct(totals.acceptedOnPresentRoutes, totals.totalOnPresentRoutes)} %).`,
  );
  lines.push(
    totals.routesMissing.length === 0 ? 'Routes missing: none.' : `Routes missing (${totals.routesMissing.length}): ${totals.routesMissing.join(', ')}.`,
  );

  lines.push('', 'Not accepted, per endpoint:');
  for (const e of report.endpoints) {
    const missed = e.results.filter((r) => r.outcome !== 'accepted');
    if (missed.length === 0) continue;
    if (e.routeMissing) {
      lines.push(`  ${e.endpoint}: route missing (${missed.map((r) => r.param).join(', ')})`);
      continue;
    }
    lines.push(`  ${e.endpoint} (${missed.length}):`);
    const unknown = missed.filter((r) => r.outcome === 'unknown');
    if (unknown.length) lines.push(`    unknown: ${unknown.map(named).join(', ')}`);
    for (const r of missed.filter((x) => x.outcome !== 'unknown')) {
      lines.push(`    ${r.outcome}: ${named(r)} = ${JSON.stringify(r.sent)} → ${r.status ?? 'no answer'} ${r.message ?? ''}`.trimEnd());
    }
  }
  if (report.fixtureNotes.length > 0) {
    lines.push('', 'Fixtures not made (requests naming them carry a placeholder id):');
    for (const note of report.fixtureNotes) lines.push(`  ${note}`);
  }
  return `${lines.join('\n')}\n`;
}

export function renderJson(report: ProbeReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
