/**
 * @switchyard/remote: the engine contracts over a Switchyard server, so code written for the
 * embedded broker runs unchanged against `switchyard server`.
 *
 *   await using broker = await openRemoteBroker({ url: 'http://127.0.0.1:4100' });
 *   const orders = await broker.createQueue('orders');
 */
import { Broker, type BrokerOptions } from '@switchyard/core';
import type { RemoteEngineOptions } from './options.js';
import { RemoteEngine } from './remote-engine.js';

export { RemoteEngine } from './remote-engine.js';
export { ServerClock, type ServerClockOptions } from './server-clock.js';
export { RemoteHttpError, RemoteUnavailableError, errorFromResponse, type ErrorDetail } from './errors.js';
export type { RemoteEngineOptions } from './options.js';

/** Opens an engine on the server at `options.url` and checks that it answers. */
export async function openRemoteEngine(options: RemoteEngineOptions): Promise<RemoteEngine> {
  const engine = new RemoteEngine(options);
  try {
    await engine.ping();
  } catch (err) {
    await engine.close();
    throw err;
  }
  return engine;
}

/** A Broker over a remote engine: the same API as `openBroker`, against a server. */
export async function openRemoteBroker(options: RemoteEngineOptions & Omit<BrokerOptions, 'clock'>): Promise<Broker> {
  const { maxMessageBytes, maxBatch, ...engineOptions } = options;
  const engine = await openRemoteEngine(engineOptions);
  return new Broker(engine, {
    ...(options.clock ? { clock: options.clock } : {}),
    ...(maxMessageBytes === undefined ? {} : { maxMessageBytes }),
    ...(maxBatch === undefined ? {} : { maxBatch }),
  });
}
