/** Test helper: a server on a free port that answers `{}` to anything and counts the requests, to show a command made none. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CountingServer {
  url: string;
  requests(): number;
  close(): void;
}

export async function startCountingServer(): Promise<CountingServer> {
  let requests = 0;
  const server = createServer((_req, res) => {
    requests++;
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => requests, close: () => server.close() };
}
