import { Broker, type BrokerOptions } from '@switchyard/core';
import { NatsEngine } from './engine.js';
import type { NatsEngineOptions } from './options.js';

export { NatsEngine } from './engine.js';
export { natsFeatures } from './features.js';
export type { NatsStreams } from './streams/stream-engine.js';
export type { NatsEngineOptions } from './options.js';

/** Connects to NATS JetStream and returns the engine. */
export function openNatsEngine(options: NatsEngineOptions = {}): Promise<NatsEngine> {
  return NatsEngine.open(options);
}

/**
 *   await using broker = await openNatsBroker({ servers: 'nats://127.0.0.1:4222' })
 */
export async function openNatsBroker(options: NatsEngineOptions & Omit<BrokerOptions, 'clock'> = {}): Promise<Broker> {
  const { maxMessageBytes, maxBatch, ...engineOptions } = options;
  const engine = await openNatsEngine(engineOptions);
  // The broker stamps and schedules with the clock the streams keep time on.
  const limits: BrokerOptions = options.clock ? { clock: options.clock } : {};
  if (maxMessageBytes !== undefined) limits.maxMessageBytes = maxMessageBytes;
  if (maxBatch !== undefined) limits.maxBatch = maxBatch;
  try {
    return new Broker(engine, limits);
  } catch (err) {
    await engine.close();
    throw err;
  }
}
