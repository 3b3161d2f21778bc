import { InvalidArgumentError } from '@switchyard/core';

export interface NatsEngineOptions {
  /** Server URLs. Default `nats://127.0.0.1:4222`. */
  servers?: string | string[];
  /** Prefix of every stream, subject and KV bucket the engine makes, so several systems can share a server. Default `switchyard`. */
  prefix?: string;
  /** Connection name shown by the server's monitoring. */
  name?: string;
}

export interface ResolvedNatsOptions {
  servers: string[];
  prefix: string;
  name: string;
}

export function resolveNatsOptions(options: NatsEngineOptions = {}): ResolvedNatsOptions {
  const servers = options.servers ?? 'nats://127.0.0.1:4222';
  const prefix = options.prefix ?? 'switchyard';
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(prefix)) throw new InvalidArgumentError('prefix', 'use 1-32 letters, digits, "-" or "_"');
  return { servers: Array.isArray(servers) ? servers : [servers], prefix, name: options.name ?? 'switchyard' };
}
