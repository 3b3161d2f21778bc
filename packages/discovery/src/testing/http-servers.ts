/**
 * Small HTTP servers on loopback for client tests. Each answers `{"id": ...}` with 200 unless
 * the test queues other behaviour for its next requests.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';

export type Behaviour = (req: IncomingMessage, res: ServerResponse, id: string) => void;

export interface TestServer {
  readonly id: string;
  readonly port: number;
  /** Requests seen, as "METHOD path". */
  readonly seen: string[];
  /** Behaviour for the next requests, in order; afterwards the default again. */
  queue(...b: Behaviour[]): void;
  close(): Promise<void>;
}

export const ok: Behaviour = (_req, res, id) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ id }));
};
export const status =
  (code: number, headers: Record<string, string> = {}): Behaviour =>
  (_req, res) => {
    res.writeHead(code, headers);
    res.end(`status ${code}`);
  };
/** Never answers (until the client gives up and the socket closes). */
export const hang: Behaviour = () => {};

export async function startServer(id: string): Promise<TestServer> {
  const queued: Behaviour[] = [];
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    req.resume();
    (queued.shift() ?? ok)(req, res, id);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    id,
    port,
    seen,
    queue: (...b) => queued.push(...b),
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A port nothing listens on (bound, then closed). */
export async function closedPort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

/** Lets I/O run until `cond` holds; fails after `ms` of real time rather than hanging a test. */
export async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}
