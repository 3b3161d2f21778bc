import type { Clock, JsonValue } from '@switchyard/core';

/**
 * Where a saga is: `running` (steps in progress), `compensating` (undoing the steps done after
 * a failure), `completed` or `failed` (finished either way). A supervisor looks for the first
 * two that stopped moving (`findStale`).
 */
export const SagaStatus = { Running: 'running', Compensating: 'compensating', Completed: 'completed', Failed: 'failed' } as const;
export type SagaStatus = (typeof SagaStatus)[keyof typeof SagaStatus];

/** A saga's stored state. `version` counts its writes: 1 after `create`, +1 per `save`. */
export interface SagaRecord<S = JsonValue> {
  state: S;
  version: number;
  status: SagaStatus;
  createdAt: number;
  updatedAt: number;
}

/** A saga found by `findStale`, with its key. */
export interface StaleSaga<S = JsonValue> extends SagaRecord<S> {
  type: string;
  id: string;
}

export interface CreateSagaOptions {
  /** Default `running`. */
  status?: SagaStatus;
}

export interface SaveSagaOptions {
  /** The version `load` returned: the save fails (and writes nothing) if another saved since. */
  expectedVersion: number;
  /** The new status; default: unchanged. */
  status?: SagaStatus;
}

export interface FindStaleOptions {
  /** Only sagas of this type. Default: every type. */
  type?: string;
  /** Running or compensating sagas last written before this time (ms since the epoch). */
  updatedBefore: number;
  /** Most to return, oldest first (ties by type, then id). Default 100; 1 to 10 000. */
  max?: number;
}

export interface SagaStoreOptions {
  /** The saga table, created if missing. Default `switchyard_sagas`. */
  table?: string;
  /** Stamps `createdAt` and `updatedAt`. Default: the system clock. */
  clock?: Clock;
}
