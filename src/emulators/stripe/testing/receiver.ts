/** Test helper: a local webhook receiver (node:http on 127.0.0.1, free port) that records every request. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';

export interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** What the receiver does with its n-th request (0-based): a status, 'hang' (never answer), or a promise of a status. */
export type Behaviour = (n: number, req: Received) => number | 'hang' | Promise<number>;

export interface Receiver {
  /** Where to send webhooks (any path is accepted). */
  url: string;
  /** Every request in arrival order; pushed before the behaviour is asked. */
  received: Received[];
}

/** Starts a receiver that answers 200 unless told otherwise; it is closed (hung requests too) after the test. */
export async function startReceiver(t: TestContext, behaviour: Behaviour = () => 200): Promise<Receiver> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      const n = received.push(r) - 1;
      const outcome = behaviour(n, r);
      if (outcome === 'hang') return;
      const answer = (status: number) => res.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
      if (typeof outcome === 'number') answer(outcome);
      else void outcome.then(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${port}/hook`, received };
}
