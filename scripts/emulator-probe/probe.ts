/**
 * The probe: for every documented top-level parameter of every endpoint in the table, one
 * request holding the endpoint's smallest valid request plus that parameter, and what the
 * server answered. `runProbe` is what the command and the test call.
 */
import Stripe from 'stripe';
import { ProbeClient, classify, type Outcome } from './client.ts';
import { ENDPOINTS, endpointName, type Context, type Endpoint, type Params } from './endpoints.ts';
import { Fixtures } from './fixtures.ts';
import { type Member, readParamsTypes, sdkVersion } from './stripe-types.ts';
import { deriveValue } from './values.ts';

/** Every route takes `expand`; it says nothing about a route's own parameters. */
const EXCLUDED = new Set(['expand']);

export const OUTCOMES: readonly Outcome[] = ['accepted', 'unknown', 'refused', 'route missing', 'error'];

export interface ParamResult {
  param: string;
  /** Required by stripe-node's type (then it is in every request to the endpoint). */
  required: boolean;
  outcome: Outcome;
  status: number | null;
  /** The server's error, when not accepted. */
  code?: string;
  errorParam?: string;
  message?: string;
  /** The value sent for the parameter. */
  sent: unknown;
}

export interface EndpointResult {
  endpoint: string;
  paramsType: string;
  accepted: number;
  total: number;
  /** Every request answered 404 Unrecognized request URL. */
  routeMissing: boolean;
  results: ParamResult[];
}

export interface Totals {
  accepted: number;
  total: number;
  /** accepted / total, in per cent with one decimal. */
  percent: number;
  outcomes: Record<Outcome, number>;
  endpoints: number;
  routesMissing: string[];
  /** Over the routes the server has, as the issue counts them too. */
  acceptedOnPresentRoutes: number;
  totalOnPresentRoutes: number;
}

export interface ProbeReport {
  url: string;
  stripeNode: string;
  apiVersion: string;
  /** Fixtures the server could not make (their requests name a placeholder id). */
  fixtureNotes: string[];
  endpoints: EndpointResult[];
  totals: Totals;
}

/** Bad input from the command line (a flag, an unreachable --url): exit 2. */
export class ProbeUsageError extends Error {}

/** `--url`: the API's origin, e.g. http://127.0.0.1:12111. */
export function parseApiUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ProbeUsageError(`--url ${JSON.stringify(raw)} is not a URL; give the API's origin, e.g. http://127.0.0.1:12111`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.pathname !== '/' || url.search !== '') {
    throw new ProbeUsageError(`--url ${raw}: give the API's origin (http[s]://host:port, no path), e.g. http://127.0.0.1:12111`);
  }
  return url;
}

/** Each endpoint's documented top-level parameters (`expand` excluded), by `METHOD /path`. */
export function documentedParams(endpoints: readonly Endpoint[] = ENDPOINTS): Map<string, Member[]> {
  const types = readParamsTypes([...new Set(endpoints.map((e) => e.paramsType))]);
  return new Map(endpoints.map((e) => [endpointName(e), types.get(e.paramsType)!.filter((m) => !EXCLUDED.has(m.name))]));
}

/** Fails with a usage error unless the server at `client.url` answers the API with a test key. */
export async function checkReachable(client: ProbeClient): Promise<void> {
  const answer = await client.send('GET', '/v1/customers', { limit: 1 });
  const where = client.url.origin;
  if (answer.status === null) throw new ProbeUsageError(`cannot reach ${where}: ${answer.message}; start the emulator or fix --url`);
  if (answer.status === 401) throw new ProbeUsageError(`${where} refused the probe's test key (401): point --url at a Stripe emulator, not at Stripe`);
}

let uniqueCounter = 0;
const runToken = Date.now().toString(36);
const unique = () => `${runToken}${(uniqueCounter++).toString(36)}`;

/** What a request is built from: the shared fixtures (fixtures.ts), or a stand-in in tests. */
export type FixtureSource = Pick<Fixtures, 'now' | 'id' | 'subscribe' | 'customerWithCard' | 'confirmationToken' | 'note'>;

/** The context of one request: fresh objects are made on first use and shared within the request. */
function requestContext(fx: FixtureSource, endpoint: Endpoint): Context {
  let subscription: Promise<{ id: string; item: string }> | undefined;
  let payment: Promise<{ paymentIntent: string; charge: string }> | undefined;
  let customer: Promise<{ id: string; paymentMethod: string }> | undefined;
  let confirmationToken: Promise<string> | undefined;
  const fallback = (what: string, err: unknown) => fx.note(`fresh ${what} (the shared fixture's id is sent)`, (err as Error).message);
  return {
    now: fx.now,
    id: (kind) => fx.id(kind),
    listOf: endpoint.listOf,
    unique,
    freshSubscription: () =>
      (subscription ??= fx.subscribe(false).catch((err) => {
        fallback('subscription', err);
        return { id: fx.id('subscription'), item: fx.id('subscription_item') };
      })),
    freshCustomer: () =>
      (customer ??= fx.customerWithCard().catch((err) => {
        fallback('customer', err);
        return { id: fx.id('customer'), paymentMethod: fx.id('payment_method') };
      })),
    freshPayment: () =>
      (payment ??= fx.subscribe().then(
        (s) => ({ paymentIntent: s.paymentIntent ?? fx.id('payment_intent'), charge: s.charge ?? fx.id('charge') }),
        (err) => {
          fallback('payment', err);
          return { paymentIntent: fx.id('payment_intent'), charge: fx.id('charge') };
        },
      )),
    freshConfirmationToken: () =>
      (confirmationToken ??= fx.confirmationToken().catch((err) => {
        fx.note('fresh confirmation token (a placeholder id is sent)', (err as Error).message);
        return 'ctoken_probe_unavailable';
      })),
  };
}

export interface ProbeRequest {
  method: Endpoint['method'];
  path: string;
  params: Params;
  /** The value for the parameter probed. */
  sent: unknown;
}

/**
 * The request that probes `member` on `endpoint`: the members the type requires (`all`), the
 * endpoint's base, what the parameter's override adds or removes, and the parameter itself.
 */
export async function buildRequest(fx: FixtureSource, endpoint: Endpoint, member: Member, all: readonly Member[] = []): Promise<ProbeRequest> {
  const ctx = requestContext(fx, endpoint);
  const override = endpoint.overrides?.[member.name];
  const params: Params = {};
  for (const m of all) {
    if (m.required && m.name !== member.name) params[m.name] = deriveValue(m.shape, m.name, ctx);
  }
  Object.assign(params, await endpoint.base?.(ctx), await override?.with?.(ctx));
  for (const name of override?.without ?? []) delete params[name];
  const sent = override?.value ? await override.value(ctx) : member.name in params ? params[member.name] : deriveValue(member.shape, member.name, ctx);
  params[member.name] = sent;
  const path = endpoint.id ? endpoint.path.replace(':id', encodeURIComponent(await endpoint.id(ctx))) : endpoint.path;
  return { method: endpoint.method, path, params, sent };
}

/** Sends the request that probes `member` on `endpoint` and classifies the answer. */
export async function probeParam(
  client: ProbeClient,
  fx: FixtureSource,
  endpoint: Endpoint,
  member: Member,
  all: readonly Member[] = [],
): Promise<ParamResult> {
  const { method, path, params, sent } = await buildRequest(fx, endpoint, member, all);
  const answer = await client.send(method, path, params);
  const outcome = classify(answer);
  if (outcome === 'accepted' && answer.body) {
    const undo = endpoint.cleanup?.(answer.body);
    if (undo) await client.send(undo.method, undo.path);
  }
  const result: ParamResult = { param: member.name, required: member.required, outcome, status: answer.status, sent };
  if (outcome !== 'accepted') Object.assign(result, { code: answer.code, errorParam: answer.param, message: answer.message });
  return result;
}

function totalsOf(endpoints: EndpointResult[]): Totals {
  const outcomes = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  for (const e of endpoints) for (const r of e.results) outcomes[r.outcome]++;
  const present = endpoints.filter((e) => !e.routeMissing);
  const sum = (list: EndpointResult[], key: 'accepted' | 'total') => list.reduce((n, e) => n + e[key], 0);
  const accepted = sum(endpoints, 'accepted');
  const total = sum(endpoints, 'total');
  return {
    accepted,
    total,
    percent: total === 0 ? 0 : Math.round((accepted / total) * 1000) / 10,
    outcomes,
    endpoints: endpoints.length,
    routesMissing: endpoints.filter((e) => e.routeMissing).map((e) => e.endpoint),
    acceptedOnPresentRoutes: sum(present, 'accepted'),
    totalOnPresentRoutes: sum(present, 'total'),
  };
}

/** Probes every parameter of every endpoint (one request at a time) against the API at `url`. */
export async function runProbe(url: URL, endpoints: readonly Endpoint[] = ENDPOINTS): Promise<ProbeReport> {
  const client = new ProbeClient(url);
  await checkReachable(client);
  const documented = documentedParams(endpoints);
  const fx = await new Fixtures(client).make();
  const results: EndpointResult[] = [];
  for (const endpoint of endpoints) {
    const members = documented.get(endpointName(endpoint))!;
    const probed: ParamResult[] = [];
    for (const member of members) probed.push(await probeParam(client, fx, endpoint, member, members));
    results.push({
      endpoint: endpointName(endpoint),
      paramsType: endpoint.paramsType,
      accepted: probed.filter((r) => r.outcome === 'accepted').length,
      total: probed.length,
      routeMissing: probed.length > 0 && probed.every((r) => r.outcome === 'route missing'),
      results: probed,
    });
  }
  return {
    url: url.origin,
    stripeNode: sdkVersion,
    apiVersion: Stripe.API_VERSION,
    fixtureNotes: fx.notes,
    endpoints: results,
    totals: totalsOf(results),
  };
}
