import type { Broker, Clock, QueueInfo } from '@switchyard/core';
import type { Action } from '../context.js';
import type { Metrics } from '../metrics.js';
import { shown, sqsErrors } from './errors.js';
import type { MetaStore } from './meta-store.js';
import type { MoveTasks } from './move-tasks.js';
import type { PurgeGuard } from './purge-guard.js';
import type { SettingsCache } from './settings-cache.js';

/** Shared by every SQS action. */
export interface SqsContext {
  broker: Broker;
  meta: MetaStore;
  tasks: MoveTasks;
  settings: SettingsCache;
  purges: PurgeGuard;
  metrics: Metrics;
  clock: Clock;
  accountId: string;
  region: string;
  shutdown: AbortSignal;
}

/** One call: its input, who made it, and where the server is. */
export interface SqsCall {
  input: Record<string, unknown>;
  /** e.g. http://127.0.0.1:4100 — queue URLs point here. */
  baseUrl: string;
  /** The caller's access key id, or undefined without auth. */
  principal: string | undefined;
  authorize(action: Action, resource: string): void;
  /** Aborts when the server shuts down or the client goes away (ends long polls early). */
  signal: AbortSignal;
}

export type SqsAction = (ctx: SqsContext, call: SqsCall) => Promise<Record<string, unknown>>;

export function queueUrl(ctx: SqsContext, call: SqsCall, name: string): string {
  return `${call.baseUrl}/${ctx.accountId}/${name}`;
}

export function queueArn(ctx: SqsContext, name: string): string {
  return `arn:aws:sqs:${ctx.region}:${ctx.accountId}:${name}`;
}

/** The queue name in an ARN (any account or region: this server has one namespace). */
export function arnToName(arn: string): string {
  const parts = arn.split(':');
  if (parts.length !== 6 || parts[0] !== 'arn' || parts[2] !== 'sqs' || !parts[5]) {
    throw sqsErrors.invalidParameterValue(`Value ${arn} for parameter ARN is invalid.`);
  }
  return parts[5];
}

/** The queue name in a queue URL: its last path segment. */
export function nameFromUrl(url: unknown): string {
  if (typeof url !== 'string' || url.length === 0) throw sqsErrors.missingParameter('QueueUrl');
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    path = url;
  }
  const name = path.split('/').filter(Boolean).at(-1);
  if (!name) throw sqsErrors.invalidAddress(url);
  try {
    return decodeURIComponent(name);
  } catch {
    throw sqsErrors.invalidAddress(url);
  }
}

export function requireString(input: Record<string, unknown>, name: string): string {
  const v = input[name];
  if (v === undefined || v === null || v === '') throw sqsErrors.missingParameter(name);
  if (typeof v !== 'string') throw sqsErrors.invalidParameterValue(`Value for parameter ${name} must be a string.`);
  return v;
}

export function optionalInt(input: Record<string, unknown>, name: string, min: number, max: number): number | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw sqsErrors.invalidParameterValue(`Value ${shown(v)} for parameter ${name} is invalid. Reason: must be between ${min} and ${max}.`);
  }
  return n;
}

/** Looks a queue up; a missing one is QueueDoesNotExist. */
export async function queueInfo(ctx: SqsContext, name: string): Promise<QueueInfo> {
  return ctx.broker.queue(name).info();
}
