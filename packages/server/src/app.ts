import { closingController, type Broker, type Clock, type ManualClock } from '@switchyard/core';
import { MemoryRegistry } from '@switchyard/discovery/registry';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type onResponseHookHandler } from 'fastify';
import type { Credentials } from './auth/credentials.js';
import type { Action, ServerContext } from './context.js';
import { HttpError, HttpErrorCode, toErrorResponse } from './http-errors.js';
import { messageRoutes } from './json-api/messages.js';
import { openApiDocument } from './json-api/openapi.js';
import { queueRoutes } from './json-api/queues.js';
import { streamRoutes } from './json-api/streams.js';
import { topicRoutes } from './json-api/topics.js';
import type { Metrics } from './metrics.js';
import { pushRoutes } from './push/channel.js';
import { LeaseTable } from './registry/lease-table.js';
import { registryMetrics } from './registry/metrics.js';
import { registryRoutes } from './registry/routes.js';
import { MetaStore } from './sqs/meta-store.js';
import { MoveTasks } from './sqs/move-tasks.js';
import { sqsRoutes } from './sqs/router.js';
import { PurgeGuard } from './sqs/purge-guard.js';
import { SettingsCache } from './sqs/settings-cache.js';
import { Fences } from './test-clock/fences.js';
import { testClockRoutes } from './test-clock/routes.js';
import { WebhookManager } from './webhooks/manager.js';
import { webhookRoutes } from './webhooks/routes.js';
import { WebhookStore } from './webhooks/store.js';

export interface AppOptions {
  broker: Broker;
  metrics: Metrics;
  clock: Clock;
  /** Without credentials every request is allowed (the server then listens on loopback only). */
  credentials?: Credentials;
  /** SQS metadata file (tags, SQS-only attributes); ':memory:' by default. */
  sqsMetaPath?: string;
  /** Fixed public base URL for queue URLs; by default taken from each request's Host header. */
  publicUrl?: string;
  accountId?: string;
  region?: string;
  /** Largest request body, bytes. Default 16 MiB (a batch of large messages). */
  bodyLimit?: number;
  logger?: boolean | object;
  /** Serve HTTPS with this certificate and key. */
  https?: { cert: Buffer; key: Buffer };
  /** Webhook subscriptions file; ':memory:' by default. */
  webhookStorePath?: string;
  webhooks?: {
    /** Allow webhook targets on private and loopback addresses. Default false. */
    allowPrivate?: boolean;
    /** First retry delay (doubling, full jitter). Default 1000 ms. */
    retryBaseMs?: number;
    /** Longest retry delay. Default 5 min. */
    retryCapMs?: number;
    /** Per-request timeout. Default 10 s. */
    timeoutMs?: number;
  };
  /**
   * Test-clock mode, for tests in other processes only: `clock` must be this ManualClock, and the
   * /v1/_test routes (see test-clock/routes.ts) move it and empty the broker.
   */
  testClock?: ManualClock;
}

export interface App {
  fastify: FastifyInstance;
  /** Ends long polls and move tasks; call before closing the broker. */
  beginShutdown(): void;
  close(): Promise<void>;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: string;
  }
}

/** Builds the HTTP application: JSON API, SQS endpoint, service registry, health and metrics. No I/O until listen. */
export function createApp(options: AppOptions): App {
  const { broker, metrics, credentials } = options;
  // Every long poll listens for shutdown: a thousand of them are expected, not a leak.
  const shutdown = closingController();
  const fastify = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? 16 * 1024 * 1024,
    return503OnClosing: true,
    // Stream, group and topic names may be up to 256 characters (Fastify's default is 100).
    routerOptions: { maxParamLength: 300 },
    ...(options.https ? { https: options.https } : {}),
  }) as unknown as FastifyInstance;
  fastify.decorateRequest('principal', undefined);

  const ctx: ServerContext = {
    broker,
    metrics,
    shutdown: shutdown.signal,
    authorize(request: FastifyRequest, action: Action, resource: string) {
      if (!credentials) return;
      if (request.principal === undefined) throw new HttpError(401, HttpErrorCode.Unauthorized, 'send Authorization: Bearer <accessKeyId>:<secretAccessKey>');
      if (!credentials.allows(request.principal, action, resource)) {
        throw new HttpError(403, HttpErrorCode.Forbidden, `${request.principal} may not ${action} ${resource}`);
      }
    },
    baseUrl: (request) => options.publicUrl ?? `${request.protocol}://${request.headers.host ?? request.hostname}`,
  };

  // Without credentials every request is anonymous and allowed: no hook to run per request.
  if (credentials) {
    fastify.addHook('onRequest', async (request) => {
      const auth = request.headers.authorization;
      if (auth?.startsWith('Bearer ')) request.principal = credentials.verifyBearer(auth.slice(7));
    });
  }
  // The request-duration histogram. Each route gets a plain-callback hook of its own with its URL
  // captured when the route is added: a global async hook cost a promise per request, and
  // `request.routeOptions` builds an object on every read. Unmatched requests are observed by the
  // not-found handler below.
  const observe = (route: string, request: FastifyRequest, reply: FastifyReply): void => {
    metrics.requests.observe({ route, method: request.method, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  };
  fastify.addHook('onRoute', (route) => {
    const url = route.url;
    const hook: onResponseHookHandler = (request, reply, done) => {
      observe(url, request, reply);
      done();
    };
    route.onResponse = route.onResponse === undefined ? hook : [route.onResponse, hook].flat();
  });
  fastify.setErrorHandler((err, request, reply) => {
    const { status, body } = toErrorResponse(err);
    if (status >= 500) request.log.error({ err }, 'request failed');
    return reply.code(status).send(body);
  });
  fastify.setNotFoundHandler((request, reply) => {
    reply.raw.once('finish', () => observe('unmatched', request, reply));
    return reply.code(404).send({ error: { code: HttpErrorCode.NotFound, message: `no route ${request.method} ${request.url}` } });
  });

  fastify.get('/healthz', async () => ({ status: 'ok' }));
  fastify.get('/readyz', async (_req, reply) => {
    if (shutdown.signal.aborted) return reply.code(503).send({ status: 'shutting down' });
    await broker.listQueues('\u0000');
    return { status: 'ready' };
  });
  fastify.get('/metrics', async (_req, reply) => reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics()));
  fastify.get('/v1/openapi.json', async () => openApiDocument);

  // The service registry lives in memory, on the server's clock (so a test clock drives leases).
  // Its indexes start at the real start time in µs, not the clock's (a test clock starts at the
  // same instant every run): after a restart they keep growing, and a watcher's old index is not
  // mistaken for a current one.
  const registry = new MemoryRegistry({ clock: options.clock, firstIndex: Date.now() * 1000 });
  const leases = new LeaseTable(registry, options.clock);
  registryMetrics(metrics.registry, registry);

  const fences = options.testClock ? new Fences() : undefined;
  if (options.testClock && fences) testClockRoutes(fastify, ctx, options.testClock, fences, leases);

  queueRoutes(fastify, ctx);
  messageRoutes(fastify, ctx);
  topicRoutes(fastify, ctx);
  streamRoutes(fastify, ctx);
  pushRoutes(fastify, ctx, { requireAuth: credentials !== undefined, ...(fences ? { fences } : {}) });
  registryRoutes(fastify, ctx, { registry, leases, clock: options.clock });

  const webhookStore = new WebhookStore(options.webhookStorePath);
  const webhooks = new WebhookManager(broker, webhookStore, metrics, {
    allowPrivate: options.webhooks?.allowPrivate ?? false,
    retryBaseMs: options.webhooks?.retryBaseMs ?? 1000,
    retryCapMs: options.webhooks?.retryCapMs ?? 300_000,
    timeoutMs: options.webhooks?.timeoutMs ?? 10_000,
    now: () => options.clock.now(),
    clock: options.clock,
  });
  webhookRoutes(fastify, ctx, webhooks);
  webhooks.start();

  const meta = new MetaStore(options.sqsMetaPath);
  const tasks = new MoveTasks(broker, options.clock);
  sqsRoutes(fastify, ctx, { broker, meta, tasks, settings: new SettingsCache(broker, meta, options.clock), purges: new PurgeGuard(options.clock), metrics, clock: options.clock, accountId: options.accountId ?? '000000000000', region: options.region ?? 'us-east-1', shutdown: shutdown.signal }, credentials);

  return {
    fastify,
    beginShutdown() {
      shutdown.abort();
      tasks.stopAll();
      void webhooks.stop();
    },
    async close() {
      shutdown.abort();
      tasks.stopAll();
      await webhooks.stop();
      await fastify.close();
      leases.close();
      await registry.close();
      meta.close();
      webhookStore.close();
    },
  };
}
