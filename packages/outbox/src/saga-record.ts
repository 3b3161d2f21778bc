import { checkInt, checkString, InvalidArgumentError, systemClock, type Clock } from '@switchyard/core';
import { checkIdentifier } from './identifiers.js';
import { SagaStatus, type CreateSagaOptions, type FindStaleOptions, type SagaRecord, type SagaStoreOptions, type SaveSagaOptions, type StaleSaga } from './saga-store.js';

/** A saga row as either database returns it (PostgreSQL's BIGINTs arrive as strings). */
export interface SagaRow {
  saga_type: string;
  saga_id: string;
  state: string;
  version: number | string;
  status: SagaStatus;
  created_at: number | string;
  updated_at: number | string;
}

const statuses = new Set<unknown>(Object.values(SagaStatus));

export function resolveSagaStoreOptions(options: SagaStoreOptions = {}): { table: string; clock: Clock } {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'must be an object');
  return { table: checkIdentifier('table', options.table ?? 'switchyard_sagas'), clock: options.clock ?? systemClock };
}

/** Validates a saga's key: its type and id, each 1 to 200 characters. */
export function checkSagaKey(type: unknown, id: unknown): { type: string; id: string } {
  return { type: checkString('type', type, 200), id: checkString('id', id, 200) };
}

export function checkStatus(field: string, value: unknown): SagaStatus {
  if (!statuses.has(value)) throw new InvalidArgumentError(field, `must be one of ${[...statuses].join(', ')}, got ${JSON.stringify(value)}`);
  return value as SagaStatus;
}

/** The state as JSON text; it must be a JSON value. */
export function encodeState(state: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(state);
  } catch (cause) {
    throw new InvalidArgumentError('state', 'is not serialisable as JSON', { cause });
  }
  if (text === undefined) throw new InvalidArgumentError('state', 'must be a JSON value');
  return text;
}

export function resolveCreate(options: CreateSagaOptions = {}): SagaStatus {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'must be an object');
  return checkStatus('status', options.status ?? SagaStatus.Running);
}

export function resolveSave(options: SaveSagaOptions): { expectedVersion: number; status: SagaStatus | null } {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'must be an object with expectedVersion');
  return {
    expectedVersion: checkInt('expectedVersion', options.expectedVersion, { min: 1, max: Number.MAX_SAFE_INTEGER }),
    status: options.status === undefined ? null : checkStatus('status', options.status),
  };
}

export function resolveFindStale(options: FindStaleOptions): { type: string | null; updatedBefore: number; max: number } {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'must be an object with updatedBefore');
  return {
    type: options.type === undefined ? null : checkString('type', options.type, 200),
    updatedBefore: checkInt('updatedBefore', options.updatedBefore, { min: 0, max: Number.MAX_SAFE_INTEGER }),
    max: checkInt('max', options.max ?? 100, { min: 1, max: 10_000 }),
  };
}

export function toSagaRecord<S>(r: SagaRow): SagaRecord<S> {
  return { state: JSON.parse(r.state) as S, version: Number(r.version), status: r.status, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at) };
}

export function toStaleSaga<S>(r: SagaRow): StaleSaga<S> {
  return { type: r.saga_type, id: r.saga_id, ...toSagaRecord<S>(r) };
}
