import { InvalidArgumentError } from '@switchyard/core';

export interface RabbitMqEngineOptions {
  /** AMQP URL. Default `amqp://guest:guest@127.0.0.1:5672`. */
  url?: string;
  /**
   * The management plugin's HTTP API (queue settings, topics and subscriptions are kept there as
   * global parameters, and changed settings are applied as policies). Default: the AMQP host on
   * port 15672 with the AMQP credentials.
   */
  managementUrl?: string;
  /** Prefix of every queue, exchange, policy and parameter the engine makes. Default `switchyard`. */
  prefix?: string;
  /** How long an operation waits for the broker to come back after the connection dropped. Default 30 s. */
  reconnectTimeoutMs?: number;
}

export interface ResolvedRabbitMqOptions {
  url: string;
  managementUrl: string;
  prefix: string;
  reconnectTimeoutMs: number;
}

export function resolveRabbitMqOptions(options: RabbitMqEngineOptions = {}): ResolvedRabbitMqOptions {
  const url = options.url ?? 'amqp://guest:guest@127.0.0.1:5672';
  const amqp = new URL(url);
  const fallback = `http://${amqp.username || 'guest'}:${amqp.password || 'guest'}@${amqp.hostname}:15672`;
  const prefix = options.prefix ?? 'switchyard';
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(prefix)) throw new InvalidArgumentError('prefix', 'use 1-32 letters, digits, "-" or "_"');
  return { url, managementUrl: options.managementUrl ?? fallback, prefix, reconnectTimeoutMs: options.reconnectTimeoutMs ?? 30_000 };
}
