import type { QueueInfo, QueueOptions, QueueStats } from '@switchyard/core';
import { shown, sqsErrors } from './errors.js';

/** Attributes SQS keeps that the engine has no notion of; stored verbatim in the MetaStore. */
const sqsOnly: Record<string, { fifoOnly?: boolean; check: (v: string) => boolean; default?: (fifo: boolean) => string | undefined }> = {
  ReceiveMessageWaitTimeSeconds: { check: intIn(0, 20), default: () => '0' },
  MaximumMessageSize: { check: intIn(1024, 262_144), default: () => '262144' },
  ContentBasedDeduplication: { fifoOnly: true, check: bool, default: (fifo) => (fifo ? 'false' : undefined) },
  DeduplicationScope: { fifoOnly: true, check: (v) => v === 'queue' || v === 'messageGroup', default: (fifo) => (fifo ? 'queue' : undefined) },
  FifoThroughputLimit: { fifoOnly: true, check: (v) => v === 'perQueue' || v === 'perMessageGroupId', default: (fifo) => (fifo ? 'perQueue' : undefined) },
  RedriveAllowPolicy: { check: json },
  Policy: { check: (v) => v === '' || json(v) },
  KmsMasterKeyId: { check: () => true },
  KmsDataKeyReusePeriodSeconds: { check: intIn(60, 86_400), default: () => '300' },
  SqsManagedSseEnabled: { check: bool, default: () => 'true' },
};
const engineOwned = new Set(['VisibilityTimeout', 'DelaySeconds', 'MessageRetentionPeriod', 'RedrivePolicy', 'FifoQueue']);
const readOnly = new Set([
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'QueueArn',
]);
export const allAttributeNames = [...engineOwned, ...Object.keys(sqsOnly), ...readOnly];

export interface ParsedAttributes {
  options: QueueOptions;
  sqs: Record<string, string>;
}

/**
 * Splits SQS queue attributes into engine settings and SQS-only ones, checking each as SQS does.
 * `creating` allows FifoQueue; `arnToName` turns a dead-letter target ARN into a queue name.
 */
export function parseQueueAttributes(input: unknown, fifo: boolean, creating: boolean, arnToName: (arn: string) => string): ParsedAttributes {
  const out: ParsedAttributes = { options: {}, sqs: {} };
  if (input === undefined || input === null) return out;
  if (typeof input !== 'object' || Array.isArray(input)) throw sqsErrors.invalidAttributeValue('Attributes must be a map of strings.');
  for (const [name, raw] of Object.entries(input as Record<string, unknown>)) {
    const value = typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : raw;
    if (typeof value !== 'string') throw sqsErrors.invalidAttributeValue(`Invalid value for the parameter ${name}.`);
    const bad = () => sqsErrors.invalidAttributeValue(`Invalid value for the parameter ${name}.`);
    switch (name) {
      case 'VisibilityTimeout':
        if (!intIn(0, 43_200)(value)) throw bad();
        out.options.visibilityTimeoutMs = Number(value) * 1000;
        break;
      case 'DelaySeconds':
        if (!intIn(0, 900)(value)) throw bad();
        out.options.delayMs = Number(value) * 1000;
        break;
      case 'MessageRetentionPeriod':
        if (!intIn(60, 1_209_600)(value)) throw bad();
        out.options.retentionMs = Number(value) * 1000;
        break;
      case 'RedrivePolicy':
        out.options.deadLetter = parseRedrivePolicy(value, arnToName);
        break;
      case 'FifoQueue':
        if (!creating) throw sqsErrors.invalidAttributeName(name);
        if (!bool(value) || (value === 'true') !== fifo) {
          throw sqsErrors.invalidParameterValue('The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix.');
        }
        break;
      default: {
        const spec = sqsOnly[name];
        if (!spec || readOnly.has(name)) throw sqsErrors.invalidAttributeName(name);
        if (spec.fifoOnly && !fifo) throw sqsErrors.invalidAttributeName(name);
        if (!spec.check(value)) throw bad();
        out.sqs[name] = value;
      }
    }
  }
  return out;
}

function parseRedrivePolicy(value: string, arnToName: (arn: string) => string): QueueOptions['deadLetter'] {
  if (value === '') return null;
  let policy: { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
  try {
    policy = JSON.parse(value) as typeof policy;
  } catch {
    throw sqsErrors.invalidAttributeValue('Invalid value for the parameter RedrivePolicy. Reason: Redrive policy is not a valid JSON map.');
  }
  const max = Number(policy.maxReceiveCount);
  if (typeof policy.deadLetterTargetArn !== 'string' || !Number.isInteger(max) || max < 1 || max > 1000) {
    throw sqsErrors.invalidAttributeValue(
      'Value for parameter RedrivePolicy is invalid. Reason: Redrive policy needs deadLetterTargetArn and a maxReceiveCount from 1 to 1000.',
    );
  }
  return { queue: arnToName(policy.deadLetterTargetArn), maxReceives: max };
}

/** The attributes GetQueueAttributes reports, all as strings, for the names asked for. */
export function queueAttributes(
  info: QueueInfo,
  stats: QueueStats,
  sqs: Record<string, string>,
  lastModified: number,
  arn: string,
  nameToArn: (name: string) => string,
): Record<string, string> {
  const all: Record<string, string> = {
    QueueArn: arn,
    ApproximateNumberOfMessages: String(stats.ready),
    ApproximateNumberOfMessagesNotVisible: String(stats.leased),
    ApproximateNumberOfMessagesDelayed: String(stats.delayed + stats.blocked),
    CreatedTimestamp: String(Math.floor(info.createdAt / 1000)),
    LastModifiedTimestamp: String(Math.floor(lastModified / 1000)),
    VisibilityTimeout: String(Math.floor(info.visibilityTimeoutMs / 1000)),
    DelaySeconds: String(Math.floor(info.delayMs / 1000)),
    MessageRetentionPeriod: String(Math.floor(info.retentionMs / 1000)),
  };
  if (info.fifo) all.FifoQueue = 'true';
  if (info.deadLetter) {
    all.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: nameToArn(info.deadLetter.queue), maxReceiveCount: info.deadLetter.maxReceives });
  }
  for (const [name, spec] of Object.entries(sqsOnly)) {
    const v = sqs[name] ?? spec.default?.(info.fifo);
    if (v !== undefined && (!spec.fifoOnly || info.fifo)) all[name] = v;
  }
  return all;
}

/** Filters to the requested names ("All" for everything); unknown names are an error. */
export function pickAttributes(all: Record<string, string>, names: unknown): Record<string, string> {
  if (names === undefined || names === null) return {};
  if (!Array.isArray(names)) throw sqsErrors.invalidParameterValue('AttributeNames must be a list.');
  if (names.includes('All')) return all;
  const out: Record<string, string> = {};
  for (const n of names) {
    if (typeof n !== 'string' || !allAttributeNames.includes(n)) throw sqsErrors.invalidAttributeName(shown(n));
    if (all[n] !== undefined) out[n] = all[n];
  }
  return out;
}

function intIn(min: number, max: number): (v: string) => boolean {
  return (v) => /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max;
}

function bool(v: string): boolean {
  return v === 'true' || v === 'false';
}

function json(v: string): boolean {
  try {
    JSON.parse(v);
    return true;
  } catch {
    return false;
  }
}
