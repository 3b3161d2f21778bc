import { InvalidArgumentError } from './errors.js';
import { queueDefaults, queueLimits, type DeadLetterPolicy, type QueueOptions } from './engine/queue-config.js';
import { checkBoolean, checkInt, checkOptions, checkQueueName } from './validate.js';

const known = new Set(['fifo', 'visibilityTimeoutMs', 'delayMs', 'retentionMs', 'deadLetter', 'dedupWindowMs']);

/** Validates queue options for `create` and fills in the defaults. */
export function resolveQueueOptions(name: string, options: QueueOptions = {}): Required<QueueOptions> {
  checkKnown(options);
  const fifo = checkBoolean('fifo', options.fifo ?? (typeof name === 'string' && name.endsWith('.fifo')));
  checkQueueName(name, fifo);
  return {
    fifo,
    visibilityTimeoutMs: checkInt('visibilityTimeoutMs', options.visibilityTimeoutMs ?? queueDefaults.visibilityTimeoutMs, queueLimits.visibilityTimeoutMs),
    delayMs: checkInt('delayMs', options.delayMs ?? queueDefaults.delayMs, queueLimits.delayMs),
    retentionMs: checkInt('retentionMs', options.retentionMs ?? queueDefaults.retentionMs, queueLimits.retentionMs),
    deadLetter: checkDeadLetter(name, options.deadLetter ?? null),
    dedupWindowMs: checkInt('dedupWindowMs', options.dedupWindowMs ?? queueDefaults.dedupWindowMs, queueLimits.dedupWindowMs),
  };
}

/** Validates the settings an update may change (everything but `fifo`). */
export function checkQueueChanges(name: string, changes: QueueOptions): QueueOptions {
  checkKnown(changes);
  if (changes.fifo !== undefined) throw new InvalidArgumentError('fifo', 'cannot change after the queue is created');
  const out: QueueOptions = {};
  if (changes.visibilityTimeoutMs !== undefined) out.visibilityTimeoutMs = checkInt('visibilityTimeoutMs', changes.visibilityTimeoutMs, queueLimits.visibilityTimeoutMs);
  if (changes.delayMs !== undefined) out.delayMs = checkInt('delayMs', changes.delayMs, queueLimits.delayMs);
  if (changes.retentionMs !== undefined) out.retentionMs = checkInt('retentionMs', changes.retentionMs, queueLimits.retentionMs);
  if (changes.dedupWindowMs !== undefined) out.dedupWindowMs = checkInt('dedupWindowMs', changes.dedupWindowMs, queueLimits.dedupWindowMs);
  if (changes.deadLetter !== undefined) out.deadLetter = checkDeadLetter(name, changes.deadLetter);
  return out;
}

function checkDeadLetter(name: string, policy: unknown): DeadLetterPolicy | null {
  if (policy === null) return null;
  if (typeof policy !== 'object' || Array.isArray(policy)) throw new InvalidArgumentError('deadLetter', 'must be { queue, maxReceives } or null');
  const { queue, maxReceives, ...rest } = policy as Record<string, unknown>;
  if (Object.keys(rest).length > 0) throw new InvalidArgumentError('deadLetter', `unknown keys ${Object.keys(rest).join(', ')}`);
  checkQueueName(queue);
  if (queue === name) throw new InvalidArgumentError('deadLetter.queue', 'a queue cannot be its own dead-letter queue');
  return { queue: queue as string, maxReceives: checkInt('deadLetter.maxReceives', maxReceives, queueLimits.maxReceives) };
}

function checkKnown(options: unknown): void {
  for (const key of Object.keys(checkOptions(options as object))) {
    if (!known.has(key)) throw new InvalidArgumentError(key, 'is not a queue setting');
  }
}
