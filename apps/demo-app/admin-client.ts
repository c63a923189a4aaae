/**
 * The demo app's admin API, as its adapter uses it: environments (its tenants), an account's
 * plan, and the webhook events it acknowledged. One configured axios instance; an error names the
 * request and what the app answered.
 */
import axios, { AxiosError, type AxiosInstance } from 'axios';

export interface Environment {
  id: string;
  created: number;
  labels: Record<string, string>;
}

export interface Account {
  id: string;
  environment: string;
  email: string;
  plan: 'free' | 'pro';
  renews_at: number | null;
  /** The paid plan's Stripe status (active, trialing, past_due), null on Free. */
  status: string | null;
  cancels_at: number | null;
  stripe_customer_id: string | null;
  subscriptions: { id: string; status: string; price_id: string | null; current_period_end: number | null }[];
}

/** An event the app's webhook handler acknowledged (answered 2xx). */
export interface AcknowledgedEvent {
  id: string;
  type: string;
  acknowledged_at: number;
  processed: boolean;
}

export class DemoAdminClient {
  private readonly http: AxiosInstance;

  constructor(
    readonly baseUrl: string,
    adminToken: string,
    timeoutMs = 15_000,
  ) {
    this.http = axios.create({
      baseURL: baseUrl.replace(/\/$/, ''),
      timeout: timeoutMs,
      headers: { authorization: `Bearer ${adminToken}`, accept: 'application/json' },
    });
    this.http.interceptors.response.use(undefined, (err: unknown) => {
      throw describe(err);
    });
  }

  async createEnvironment(labels: Record<string, string>): Promise<Environment> {
    return (await this.http.post<Environment>('/api/environments', { labels })).data;
  }

  /** Every environment, and the time the app says it is now (its Date header, unix ms), to age them by. */
  async environments(): Promise<{ data: Environment[]; now: number }> {
    const res = await this.http.get<{ data: Environment[] }>('/api/environments');
    const date = Date.parse(String(res.headers.date ?? ''));
    return { data: res.data.data, now: Number.isNaN(date) ? Date.now() : date };
  }

  /** Deletes the environment and its data; one already gone counts as deleted. */
  async deleteEnvironment(id: string): Promise<void> {
    await this.http.delete(`/api/environments/${encodeURIComponent(id)}`, { validateStatus: (s) => (s >= 200 && s < 300) || s === 404 });
  }

  /** Merges `labels` into the environment's labels. */
  async labelEnvironment(id: string, labels: Record<string, string>): Promise<Environment> {
    return (await this.http.patch<Environment>(`/api/environments/${encodeURIComponent(id)}`, { labels })).data;
  }

  /** Test mode only: the environment's customers from now on are created on Stripe test clock `clock` (null: none). */
  async setTestClock(environmentId: string, clock: string | null): Promise<Environment> {
    return (await this.http.put<Environment>(`/api/environments/${encodeURIComponent(environmentId)}/test-clock`, { test_clock: clock })).data;
  }

  async accountByEmail(environmentId: string, email: string): Promise<Account | undefined> {
    const res = await this.http.get<{ data: Account[] }>(`/api/environments/${encodeURIComponent(environmentId)}/accounts`, { params: { email } });
    return res.data.data[0];
  }

  /** The event as the app acknowledged it, or null when its handler never answered it with 2xx. */
  async acknowledgedEvent(eventId: string): Promise<AcknowledgedEvent | null> {
    const res = await this.http.get<AcknowledgedEvent>(`/api/webhooks/events/${encodeURIComponent(eventId)}`, {
      validateStatus: (s) => s === 200 || s === 404,
    });
    return res.status === 404 ? null : res.data;
  }
}

/** What went wrong with a request, in one line that names it (the token never appears: it is in a header). */
function describe(err: unknown): Error {
  if (!(err instanceof AxiosError)) return err as Error;
  const where = `${err.config?.method?.toUpperCase() ?? 'GET'} ${err.config?.url ?? ''}`;
  if (err.response) {
    const body = err.response.data as { error?: string } | undefined;
    return new Error(`The demo app answered ${err.response.status} to ${where}: ${body?.error ?? err.message}`, { cause: err });
  }
  return new Error(`The demo app could not be reached (${where}): ${err.code ?? err.message}`, { cause: err });
}
