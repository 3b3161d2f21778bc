import { mkdirSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { Broker, InvalidArgumentError, ManualClock, systemClock, type Clock } from '@switchyard/core';
import { SqliteEngine, type Durability } from '@switchyard/sqlite';
import { createApp, type App } from './app.js';
import { Credentials } from './auth/credentials.js';
import { createMetrics } from './metrics.js';

export interface ServerOptions {
  /** Where the database lives. Default ./.switchyard */
  dataDir?: string;
  /** Default 127.0.0.1. Anything but loopback needs credentials. */
  host?: string;
  /** Default 4100; 0 picks a free port. */
  port?: number;
  /** JSON file of credentials and permissions; without it the server is open and loopback-only. */
  authFile?: string;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  durability?: Durability;
  publicUrl?: string;
  logger?: boolean | object;
  clock?: Clock;
  /** Let webhooks target private and loopback addresses (refused by default: SSRF). */
  allowPrivateWebhooks?: boolean;
  /** First webhook retry delay. Default 1000 ms. */
  webhookRetryBaseMs?: number;
  /**
   * For tests in other processes only: the engine reads a ManualClock that only
   * `POST /v1/_test/clock/advance` moves, and `POST /v1/_test/reset` deletes everything. Time stands
   * still otherwise, so never enable it for real traffic. Prints a warning.
   */
  testClock?: boolean;
}

export interface RunningServer {
  url: string;
  broker: Broker;
  app: App;
  /** Graceful stop: refuse new requests, end long polls, finish in-flight work, close the file. */
  close(): Promise<void>;
}

const loopback = new Set(['127.0.0.1', '::1', 'localhost']);

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 4100;
  const credentials = options.authFile ? Credentials.fromFile(options.authFile) : undefined;
  if (!credentials && !isLoopback(host)) {
    throw new InvalidArgumentError('host', `without credentials (--auth FILE) the server only listens on loopback, not ${host}`);
  }
  if ((options.tlsCertFile === undefined) !== (options.tlsKeyFile === undefined)) throw new InvalidArgumentError('tls', 'give both a certificate and a key');
  const dataDir = resolve(options.dataDir ?? '.switchyard');
  mkdirSync(dataDir, { recursive: true });
  if (options.testClock && options.clock) throw new InvalidArgumentError('testClock', 'cannot be combined with clock');
  const testClock = options.testClock ? new ManualClock() : undefined;
  if (testClock) warnTestClock();
  const clock = testClock ?? options.clock ?? systemClock;
  const engine = new SqliteEngine({ path: join(dataDir, 'switchyard.db'), clock, ...(options.durability ? { durability: options.durability } : {}) });
  const broker = new Broker(engine, { clock });
  const metrics = createMetrics(broker);
  const tls = options.tlsCertFile && options.tlsKeyFile ? { cert: readFileSync(options.tlsCertFile), key: readFileSync(options.tlsKeyFile) } : undefined;
  const app = createApp({
    broker,
    metrics,
    clock,
    ...(credentials ? { credentials } : {}),
    sqsMetaPath: join(dataDir, 'sqs-meta.db'),
    webhookStorePath: join(dataDir, 'webhooks.db'),
    webhooks: { allowPrivate: options.allowPrivateWebhooks ?? false, ...(options.webhookRetryBaseMs !== undefined ? { retryBaseMs: options.webhookRetryBaseMs } : {}) },
    ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
    ...(options.logger !== undefined ? { logger: options.logger } : {}),
    ...(tls ? { https: tls } : {}),
    ...(testClock ? { testClock } : {}),
  });
  try {
    const address = await app.fastify.listen({ host, port });
    const url = options.publicUrl ?? address;
    let closing: Promise<void> | undefined;
    return {
      url,
      broker,
      app,
      close: () =>
        (closing ??= (async () => {
          app.beginShutdown();
          await app.close();
          await broker.close();
        })()),
    };
  } catch (err) {
    await app.close().catch(() => undefined);
    await broker.close();
    throw err;
  }
}

function warnTestClock(): void {
  console.error(
    [
      '!!! switchyard server: TEST CLOCK ENABLED !!!',
      '!!! Time stands still unless a test moves it (POST /v1/_test/clock/advance): visibility timeouts,',
      '!!! delays, retention and long polls never end on their own, and POST /v1/_test/reset deletes',
      '!!! every queue, topic and stream. For automated tests only; never use it for real traffic.',
    ].join('\n'),
  );
}

function isLoopback(host: string): boolean {
  return loopback.has(host) || (isIP(host) === 4 && host.startsWith('127.'));
}
