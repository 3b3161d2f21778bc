/**
 * The logging surface the consumer uses: the subset of pino's `Logger` it calls, so a pino
 * logger (or a child of one) fits as is. Lines are JSON objects with a message; delivery
 * loggers carry `correlationId`, `messageId`, `type`, `queue` and `attempt`.
 */
import { pino } from 'pino';

export interface LogFn {
  (fields: Record<string, unknown>, message?: string): void;
}

export interface Logger {
  child(bindings: Record<string, unknown>): Logger;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

/** The default logger: pino to stdout at `info`, named for the component. */
export function defaultLogger(name: string): Logger {
  return pino({ name, level: process.env.SWITCHYARD_LOG_LEVEL ?? 'info' });
}
