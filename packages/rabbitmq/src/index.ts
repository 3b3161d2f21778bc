import { Broker, type BrokerOptions } from '@switchyard/core';
import { RabbitMqEngine } from './engine.js';
import type { RabbitMqEngineOptions } from './options.js';

export { RabbitMqEngine } from './engine.js';
export { rabbitFeatures } from './features.js';
export type { RabbitMqEngineOptions } from './options.js';

/** Connects to RabbitMQ and returns the engine. */
export function openRabbitMqEngine(options: RabbitMqEngineOptions = {}): Promise<RabbitMqEngine> {
  return RabbitMqEngine.open(options);
}

/**
 *   await using broker = await openRabbitMqBroker({ url: 'amqp://guest:guest@127.0.0.1:5672' })
 */
export async function openRabbitMqBroker(options: RabbitMqEngineOptions & Omit<BrokerOptions, 'clock'> = {}): Promise<Broker> {
  const { maxMessageBytes, maxBatch, ...engineOptions } = options;
  const engine = await openRabbitMqEngine(engineOptions);
  const limits: BrokerOptions = {};
  if (maxMessageBytes !== undefined) limits.maxMessageBytes = maxMessageBytes;
  if (maxBatch !== undefined) limits.maxBatch = maxBatch;
  try {
    return new Broker(engine, limits);
  } catch (err) {
    await engine.close();
    throw err;
  }
}
