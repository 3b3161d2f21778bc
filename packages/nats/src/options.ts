import { checkInt, InvalidArgumentError, systemClock, type Clock } from '@switchyard/core';

export interface NatsEngineOptions {
  /** Server URLs. Default `nats://127.0.0.1:4222`. */
  servers?: string | string[];
  /** Prefix of every stream, subject and KV bucket the engine makes, so several systems can share a server. Default `switchyard`. */
  prefix?: string;
  /** Connection name shown by the server's monitoring. */
  name?: string;
  /**
   * The clock streams keep time on: appendedAt, retention by age, member session expiry and
   * long-poll deadlines. Queues do not read it (AckWait and pull expiry are the server's). Default: system time.
   */
  clock?: Clock;
  /** How often stream retention runs on its own, on `clock`. Default 30 000 ms. */
  streamSweepIntervalMs?: number;
}

export interface ResolvedNatsOptions {
  servers: string[];
  prefix: string;
  name: string;
  clock: Clock;
  streamSweepIntervalMs: number;
}

export function resolveNatsOptions(options: NatsEngineOptions = {}): ResolvedNatsOptions {
  const servers = options.servers ?? 'nats://127.0.0.1:4222';
  const prefix = options.prefix ?? 'switchyard';
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(prefix)) throw new InvalidArgumentError('prefix', 'use 1-32 letters, digits, "-" or "_"');
  return {
    servers: Array.isArray(servers) ? servers : [servers],
    prefix,
    name: options.name ?? 'switchyard',
    clock: options.clock ?? systemClock,
    streamSweepIntervalMs: checkInt('streamSweepIntervalMs', options.streamSweepIntervalMs ?? 30_000, { min: 100, max: 3_600_000 }),
  };
}
