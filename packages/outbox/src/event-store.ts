import type { Body, Clock, Headers } from '@switchyard/core';

/**
 * What an append requires of the stream's current version: exactly `n` (0: the stream must not
 * exist yet), `'no-stream'` (the same as 0), or `'any'` (no check).
 */
export type ExpectedVersion = number | 'any' | 'no-stream';

/** An event to append. `id` defaults to a time-ordered UUID, `timestamp` to the clock's now. */
export interface NewEvent {
  id?: string;
  type: string;
  /** JSON, a string (stored as text) or bytes; read back as the same kind. */
  body: Body;
  headers?: Headers;
  /** When it happened (ms since the epoch), as the producer sees it. */
  timestamp?: number;
}

/** An event as stored and read back. */
export interface StoredEvent<B = Body> {
  stream: string;
  /** Its place in its stream: 1, 2, 3 … with no gaps. */
  version: number;
  /**
   * Its place among all events of the store: increasing in commit order, so reading on from the
   * last position seen never misses an event. Not dense (a rolled-back append leaves a gap).
   */
  position: number;
  id: string;
  type: string;
  body: B;
  headers: Headers;
  timestamp: number;
  /** When the store wrote it (the store's clock). */
  recordedAt: number;
}

export interface AppendOptions {
  expectedVersion: ExpectedVersion;
}

export interface AppendResult {
  /** The stream's version after the append (the last event's version). */
  version: number;
  /** The last appended event's position. */
  position: number;
}

export interface ReadStreamOptions {
  /** First version to return. Default 1. */
  fromVersion?: number;
  /** Most events to return. Default 1000; 1 to 10 000. */
  max?: number;
}

export interface ReadAllOptions {
  /** Return events with a position above this one. Default 0 (from the start). */
  after?: number;
  /** Most events to return. Default 1000; 1 to 10 000. */
  max?: number;
}

export interface EventStoreOptions {
  /** The events table, created if missing. Default `switchyard_events`. */
  table?: string;
  /** Stamps `recordedAt`, default timestamps and ids. Default: the system clock. */
  clock?: Clock;
  /** Largest event (body plus headers), bytes. Default 1 MiB; 1 KiB to 64 MiB. */
  maxEventBytes?: number;
}
