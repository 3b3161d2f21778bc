import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';
import { HttpError, HttpErrorCode } from '../http-errors.js';
import type { Fences } from '../test-clock/fences.js';
import { PushSession, type PushSocket } from './session.js';

/** The subprotocol name clients may check for; the plain GET answers with it. */
export const pushProtocol = 'switchyard-push-1';

export interface PushOptions {
  /** True when the server has credentials: the upgrade request must then carry a valid token. */
  requireAuth: boolean;
  fences?: Fences;
  /** Receives one connection may hold waiting at once. Default 1000. */
  maxPendingReceives?: number;
  /** Ping interval; a connection that has not answered the previous ping is dropped. Default 30 s. */
  heartbeatMs?: number;
  /** Largest frame a client may send, bytes. Default 1 MiB (requests are small). */
  maxFrameBytes?: number;
}

/** What a `ws` socket offers beyond PushSocket. */
interface WsSocket extends PushSocket {
  on(event: 'message', fn: (data: Buffer, isBinary: boolean) => void): void;
  on(event: 'close' | 'pong', fn: () => void): void;
  ping(): void;
  terminate(): void;
}

/**
 * The push channel, `GET /v1/ws` upgraded to a WebSocket: consumers wait for messages without
 * polling and settle them over the same connection (frames in ./frames.ts). A plain GET (no
 * upgrade) answers `{ protocol }`, so a client can tell a server without the channel (404) from
 * a connection that failed.
 */
export function pushRoutes(app: FastifyInstance, ctx: ServerContext, options: PushOptions): void {
  const live = new Map<WsSocket, boolean>();
  // Real time on purpose: the heartbeat watches the transport, not the engine's clock.
  const heartbeat = setInterval(() => {
    for (const [socket, answered] of live) {
      if (!answered) socket.terminate();
      else {
        live.set(socket, false);
        socket.ping();
      }
    }
  }, options.heartbeatMs ?? 30_000);
  heartbeat.unref();
  app.addHook('onClose', async () => clearInterval(heartbeat));

  void app.register(websocket, { options: { maxPayload: options.maxFrameBytes ?? 1 << 20 } });
  void app.register(async (scoped) => {
    scoped.route({
      method: 'GET',
      url: '/v1/ws',
      preValidation: async (request) => {
        if (options.requireAuth && request.principal === undefined) {
          throw new HttpError(401, HttpErrorCode.Unauthorized, 'send Authorization: Bearer <accessKeyId>:<secretAccessKey> with the upgrade request');
        }
      },
      handler: async () => ({ protocol: pushProtocol, upgrade: 'websocket' }),
      wsHandler: (raw, request) => {
        const socket = raw as unknown as WsSocket;
        const session = new PushSession(socket, { ctx, request, maxPendingReceives: options.maxPendingReceives ?? 1000, ...(options.fences ? { fences: options.fences } : {}) });
        live.set(socket, true);
        socket.on('pong', () => live.set(socket, true));
        socket.on('message', (data, isBinary) => session.handle(isBinary ? '' : data.toString('utf8')));
        socket.on('close', () => {
          live.delete(socket);
          session.close();
        });
      },
    });
  });
}
