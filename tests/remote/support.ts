import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { request, WebSocket } from 'undici';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

/** `switchyard server --test-clock` in its own process, on a fresh data directory. */
export function startTestClockServer(args: string[] = []): Promise<ServerProcess> {
  return startServerProcess({ args: ['--test-clock', ...args] });
}

/** Deletes every queue, topic and stream on a test-clock server, so a case starts empty. */
export async function resetServer(url: string): Promise<void> {
  const res = await request(`${url}/v1/_test/reset`, { method: 'POST', reset: true });
  await res.body.text();
  if (res.statusCode !== 200) throw new Error(`reset answered ${res.statusCode}`);
}

/** Long polls the server is holding now (its `switchyard_long_polls_waiting` gauge). */
export async function waitingPolls(url: string): Promise<number> {
  const res = await request(`${url}/metrics`, { reset: true });
  const text = await res.body.text();
  const m = /^switchyard_long_polls_waiting (\d+)$/m.exec(text);
  if (!m) throw new Error('no switchyard_long_polls_waiting in /metrics');
  return Number(m[1]);
}

/**
 * Re-checks `condition` until it holds, for events that happen in another process (the server
 * noticing a closed connection) and have no notification to wait on. Fails after 5 s.
 */
export async function eventually(what: string, condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A raw push-channel client: sends frames and waits for the answer to a given id. */
export class RawPushClient {
  readonly #ws: WebSocket;
  readonly #answers = new Map<unknown, Record<string, unknown>>();
  readonly #waiters = new Map<unknown, (frame: Record<string, unknown>) => void>();
  /** Every frame received, in order. */
  readonly frames: Record<string, unknown>[] = [];

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.addEventListener('message', (event) => {
      const frame = JSON.parse(String(event.data)) as Record<string, unknown>;
      this.frames.push(frame);
      const waiter = this.#waiters.get(frame.id);
      if (waiter) {
        this.#waiters.delete(frame.id);
        waiter(frame);
      } else this.#answers.set(frame.id, frame);
    });
  }

  static async connect(url: string, headers: Record<string, string> = {}): Promise<RawPushClient> {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/ws`, { headers });
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener('open', () => resolve(), { once: true });
      ws.addEventListener('error', () => reject(new Error('the push channel did not open')), { once: true });
    });
    return new RawPushClient(ws);
  }

  send(frame: object): void {
    this.#ws.send(JSON.stringify(frame));
  }

  /** The answer to request `id` (already received, or the next one to arrive). */
  answer(id: unknown): Promise<Record<string, unknown>> {
    const got = this.#answers.get(id);
    if (got) {
      this.#answers.delete(id);
      return Promise.resolve(got);
    }
    return new Promise((resolve) => this.#waiters.set(id, resolve));
  }

  /** Resolves once the connection is closed (by either side). */
  close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#ws.addEventListener('close', () => resolve(), { once: true }));
    if (this.#ws.readyState !== WebSocket.CLOSED) this.#ws.close();
    return closed;
  }

  get closed(): Promise<void> {
    if (this.#ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise<void>((resolve) => this.#ws.addEventListener('close', () => resolve(), { once: true }));
  }
}

/**
 * A stand-in server that answers only /healthz and `POST /v1/queues/q/receive` (empty), 404
 * otherwise, and records every request. Its WebSocket upgrade is refused with 404 (`'refuse'`),
 * or accepted and then never answered (`'silent'`: a stuck connection).
 */
export async function fakeServer(upgrade: 'refuse' | 'silent'): Promise<{ url: string; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    res.setHeader('content-type', 'application/json');
    if (req.url === '/healthz') return res.end('{"status":"ok"}');
    if (req.url === '/v1/queues/q/receive') return res.end('{"messages":[]}');
    res.statusCode = 404;
    res.end('{"error":{"code":"NOT_FOUND","message":"no route"}}');
  });
  const sockets = new Set<Duplex>();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
    seen.push(`UPGRADE ${req.url}`);
    if (upgrade === 'refuse') return socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n');
    sockets.add(socket);
    const accept = createHash('sha1').update(`${String(req.headers['sec-websocket-key'])}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: ${accept}\r\n\r\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    async close() {
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
