/**
 * The post-deploy wait: before a post-deploy run, poll the freshly deployed app's health URL
 * until it answers 2xx (and, with an expected version, reports it), printing a progress line
 * while it waits. A deploy that never becomes healthy is its own failure (`deploy-not-healthy`),
 * with the last status and body seen.
 */
import { errorText } from './failure.ts';

export interface DeployWait {
  url: string;
  timeoutMs: number;
  expectVersion?: string;
  /** Between two polls. Default 2 s. */
  pollMs?: number;
}

export interface DeployHealth {
  url: string;
  healthy: boolean;
  waited_ms: number;
  attempts: number;
  expected_version: string | null;
  /** What the app last reported: its HTTP status (or the connection error), its version, the start of its body. */
  last_status: number | string | null;
  last_version: string | null;
  last_body: string | null;
}

/** The version a health answer reports: `version` in a JSON body, else null. */
export function versionOf(body: string): string | null {
  try {
    const v = (JSON.parse(body) as { version?: unknown }).version;
    return typeof v === 'string' || typeof v === 'number' ? String(v) : null;
  } catch {
    return null;
  }
}

/** The version the app reports at its health URL right now; null when it does not say or cannot be reached (never throws). */
export async function reportedVersion(url: string, timeoutMs = 5_000): Promise<string | null> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
    return versionOf(await res.text());
  } catch {
    return null;
  }
}

export async function waitForDeploy(w: DeployWait, progress: (line: string) => void, signal?: AbortSignal): Promise<DeployHealth> {
  const started = Date.now();
  const h: DeployHealth = {
    url: w.url,
    healthy: false,
    waited_ms: 0,
    attempts: 0,
    expected_version: w.expectVersion ?? null,
    last_status: null,
    last_version: null,
    last_body: null,
  };
  let lastPrinted = 0;
  while (!signal?.aborted) {
    h.attempts++;
    try {
      const res = await fetch(w.url, { signal: AbortSignal.timeout(Math.min(10_000, Math.max(1_000, w.timeoutMs))), headers: { accept: 'application/json' } });
      const body = await res.text();
      h.last_status = res.status;
      h.last_body = errorText(body, 5).slice(0, 500);
      h.last_version = versionOf(body);
      h.healthy = res.ok && (!w.expectVersion || h.last_version === w.expectVersion);
    } catch (err) {
      h.last_status = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
      h.healthy = false;
    }
    h.waited_ms = Date.now() - started;
    if (h.healthy || h.waited_ms >= w.timeoutMs) break;
    if (Date.now() - lastPrinted >= 5_000) {
      lastPrinted = Date.now();
      progress(
        `waiting for the deploy at ${w.url}: ${h.last_status}${h.last_version ? `, version ${h.last_version}` : ''}${w.expectVersion ? ` (want ${w.expectVersion})` : ''}, ${Math.round(h.waited_ms / 1000)} s of ${Math.round(w.timeoutMs / 1000)} s`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(w.pollMs ?? 2_000, Math.max(0, w.timeoutMs - h.waited_ms))));
  }
  return h;
}
