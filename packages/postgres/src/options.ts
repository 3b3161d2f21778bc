import { checkInt, InvalidArgumentError, systemClock, type Clock } from '@switchyard/core';

export interface PostgresEngineOptions {
  /** A libpq connection string, e.g. `postgres://user@127.0.0.1:5432/app`. */
  url: string;
  /**
   * The schema that holds Switchyard's tables (created when missing). Engines that share a
   * schema share their queues; each schema is an independent broker. Default `switchyard`.
   */
  schema?: string;
  clock?: Clock;
  /** Connections in the pool (one more is kept for LISTEN). Default 10. */
  poolSize?: number;
  /** How often expired messages and dedup ids are swept. Default 1000 ms. */
  sweepIntervalMs?: number;
}

export interface ResolvedPostgresOptions {
  url: string;
  schema: string;
  clock: Clock;
  poolSize: number;
  sweepIntervalMs: number;
}

const schemaShape = /^[a-z_][a-z0-9_]{0,47}$/;

export function resolvePostgresOptions(options: PostgresEngineOptions): ResolvedPostgresOptions {
  if (typeof options?.url !== 'string' || options.url.length === 0) throw new InvalidArgumentError('url', 'must be a PostgreSQL connection string');
  const schema = options.schema ?? 'switchyard';
  if (typeof schema !== 'string' || !schemaShape.test(schema)) throw new InvalidArgumentError('schema', 'must match /^[a-z_][a-z0-9_]{0,47}$/');
  return {
    url: options.url,
    schema,
    clock: options.clock ?? systemClock,
    poolSize: checkInt('poolSize', options.poolSize ?? 10, { min: 1, max: 1000 }),
    sweepIntervalMs: checkInt('sweepIntervalMs', options.sweepIntervalMs ?? 1000, { min: 10, max: 3_600_000 }),
  };
}
