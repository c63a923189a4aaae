/**
 * `canary schedule --health-port N`: GET /healthz (200 and the tasks' state while the scheduler is
 * alive, 503 with the reasons otherwise: for Kubernetes' liveness and readiness probes) and
 * GET /metrics (Prometheus' text format). Nothing else is served; nothing it answers holds a secret.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Liveness } from './liveness.ts';
import type { SchedulerMetrics } from './metrics.ts';

export interface HealthServer {
  /** `http://host:port`, with the port it got (0 picks a free one). */
  url: string;
  close(): Promise<void>;
}

export async function startHealthServer(o: { port: number; host: string; liveness: Liveness; metrics: SchedulerMetrics }): Promise<HealthServer> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://canary').pathname;
    const answer = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return answer(405, 'text/plain; charset=utf-8', 'only GET\n');
    if (path === '/healthz') {
      const status = o.liveness.status();
      return answer(status.ok ? 200 : 503, 'application/json; charset=utf-8', `${JSON.stringify(status, null, 2)}\n`);
    }
    if (path === '/metrics') {
      o.metrics.registry.metrics().then(
        (text) => answer(200, o.metrics.registry.contentType, text),
        (err: Error) => answer(500, 'text/plain; charset=utf-8', `metrics failed: ${err.message}\n`),
      );
      return;
    }
    answer(404, 'text/plain; charset=utf-8', 'not found: GET /healthz or /metrics\n');
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shown = o.host === '0.0.0.0' || o.host === '::' ? '127.0.0.1' : o.host;
  return {
    url: `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
