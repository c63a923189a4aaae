/**
 * The harness's client for the demo app's admin and health endpoints: one configured axios
 * instance; transport and HTTP errors become AppApiError at this boundary.
 */
import axios, { AxiosError, type AxiosInstance } from 'axios';
import { AppApiError } from '../errors.ts';

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
  stripe_customer_id: string | null;
  subscriptions: { id: string; status: string; price_id: string | null; current_period_end: number | null }[];
}

/** The app's own webhook endpoint, as its admin API reports it. */
export interface AppWebhook {
  url: string;
  endpoint_id: string | null;
}

/** An event the app's webhook handler acknowledged (answered 2xx). */
export interface AcknowledgedEvent {
  id: string;
  type: string;
  acknowledged_at: number;
  processed: boolean;
}

export class AppClient {
  private readonly http: AxiosInstance;
  private webhookInfo: Promise<AppWebhook> | undefined;

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
      throw translate(err);
    });
  }

  async createEnvironment(labels: Record<string, string>): Promise<Environment> {
    return (await this.http.post<Environment>('/api/environments', { labels })).data;
  }

  /** Every environment, and the time the app says it is now (its Date header), to age them by. */
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

  async accountByEmail(environmentId: string, email: string): Promise<Account | undefined> {
    const res = await this.http.get<{ data: Account[] }>(`/api/environments/${encodeURIComponent(environmentId)}/accounts`, { params: { email } });
    return res.data.data[0];
  }

  /** The deployed version the app reports on /healthz (answered with 200 or 503), or null when it says none. */
  async version(): Promise<string | null> {
    const res = await this.http.get<{ version?: string }>('/healthz', { validateStatus: (s) => s === 200 || s === 503 });
    return typeof res.data?.version === 'string' ? res.data.version : null;
  }

  /** Where the app receives Stripe's webhooks (cached: it does not change while the app runs). */
  async webhook(): Promise<AppWebhook> {
    this.webhookInfo ??= this.http.get<AppWebhook>('/api/webhooks').then((r) => r.data);
    this.webhookInfo.catch(() => (this.webhookInfo = undefined));
    return this.webhookInfo;
  }

  /** The event as the app acknowledged it, or null when its handler never answered it with 2xx. */
  async acknowledgedEvent(eventId: string): Promise<AcknowledgedEvent | null> {
    const res = await this.http.get<AcknowledgedEvent>(`/api/webhooks/events/${encodeURIComponent(eventId)}`, {
      validateStatus: (s) => s === 200 || s === 404,
    });
    return res.status === 404 ? null : res.data;
  }
}

function translate(err: unknown): AppApiError {
  if (err instanceof AxiosError) {
    const where = `${err.config?.method?.toUpperCase() ?? 'GET'} ${err.config?.url ?? ''}`;
    if (err.response) {
      const body = err.response.data as { error?: string } | undefined;
      return new AppApiError(
        `The demo app answered ${err.response.status} to ${where}: ${body?.error ?? err.message}`,
        { status: err.response.status, request: where },
        err,
      );
    }
    return new AppApiError(`The demo app could not be reached (${where}): ${err.code ?? err.message}`, { code: err.code, request: where }, err);
  }
  return new AppApiError(`The demo app request failed: ${(err as Error).message}`, {}, err);
}
