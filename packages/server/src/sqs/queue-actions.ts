import { isSwitchyardError, type QueueInfo, type QueueOptions } from '@switchyard/core';
import { arnToName, nameFromUrl, optionalInt, queueArn, queueInfo, queueUrl, requireString, type SqsAction, type SqsCall, type SqsContext } from './context.js';
import { sqsErrors } from './errors.js';
import { parseQueueAttributes, pickAttributes, queueAttributes } from './queue-attributes.js';
import { checkTags } from './tags.js';

function sameSettings(info: QueueInfo, given: QueueOptions): boolean {
  return (Object.keys(given) as (keyof QueueOptions)[]).every((k) => JSON.stringify(info[k as keyof QueueInfo]) === JSON.stringify(given[k]));
}

function attributesFor(ctx: SqsContext, info: QueueInfo, stats: Awaited<ReturnType<ReturnType<SqsContext['broker']['queue']>['stats']>>): Record<string, string> {
  const meta = ctx.meta.get(info.name, info.createdAt);
  return queueAttributes(info, stats, meta.attributes, meta.lastModified, queueArn(ctx, info.name), (n) => queueArn(ctx, n));
}

const createQueue: SqsAction = async (ctx, call) => {
  const name = requireString(call.input, 'QueueName');
  call.authorize('manage', name);
  const fifo = name.endsWith('.fifo');
  const attrs = call.input.Attributes as Record<string, unknown> | undefined;
  if (attrs && attrs.FifoQueue === 'true' && !fifo) {
    throw sqsErrors.invalidParameterValue('The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix.');
  }
  const parsed = parseQueueAttributes(attrs, fifo, true, arnToName);
  const tags = checkTags(call.input.tags);
  // As SQS: creating an existing queue succeeds when every attribute given matches it.
  const existing = await ctx.broker
    .queue(name)
    .info()
    .catch((err: unknown) => {
      if (isSwitchyardError(err, 'QUEUE_NOT_FOUND')) return undefined;
      throw err;
    });
  let info: QueueInfo;
  if (existing) {
    if (!sameSettings(existing, parsed.options)) throw sqsErrors.queueNameExists(name);
    info = existing;
  } else {
    try {
      info = await (await ctx.broker.createQueue(name, { ...parsed.options, fifo })).info();
    } catch (err) {
      if (isSwitchyardError(err, 'QUEUE_NOT_FOUND')) throw sqsErrors.invalidParameterValue('Value for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.');
      if (isSwitchyardError(err, 'INVALID_NAME')) {
        throw sqsErrors.invalidParameterValue('Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length');
      }
      throw err;
    }
  }
  const meta = ctx.meta.get(name, info.createdAt);
  const changes = Object.entries(parsed.sqs).some(([k, v]) => meta.attributes[k] !== undefined && meta.attributes[k] !== v);
  if (changes) throw sqsErrors.queueNameExists(name);
  ctx.meta.put(name, { ...meta, attributes: { ...meta.attributes, ...parsed.sqs }, tags: { ...tags, ...meta.tags } });
  ctx.settings.forget(name);
  return { QueueUrl: queueUrl(ctx, call, name) };
};

const getQueueUrl: SqsAction = async (ctx, call) => {
  const name = requireString(call.input, 'QueueName');
  call.authorize('receive', name);
  await queueInfo(ctx, name);
  return { QueueUrl: queueUrl(ctx, call, name) };
};

const listQueues: SqsAction = async (ctx, call) => {
  call.authorize('manage', '*');
  const prefix = call.input.QueueNamePrefix;
  if (prefix !== undefined && typeof prefix !== 'string') throw sqsErrors.invalidParameterValue('QueueNamePrefix must be a string.');
  const max = optionalInt(call.input, 'MaxResults', 1, 1000);
  const names = (await ctx.broker.listQueues(prefix)).map((q) => q.name);
  const start = typeof call.input.NextToken === 'string' ? names.findIndex((n) => n > (call.input.NextToken as string)) : 0;
  const page = start < 0 ? [] : names.slice(start, max === undefined ? undefined : start + max);
  const result: Record<string, unknown> = { QueueUrls: page.map((n) => queueUrl(ctx, call, n)) };
  // SQS hands out NextToken only when MaxResults was given and more remain.
  if (max !== undefined && start >= 0 && start + max < names.length) result.NextToken = page.at(-1);
  return result;
};

const deleteQueue: SqsAction = async (ctx, call) => {
  const name = nameFromUrl(call.input.QueueUrl);
  call.authorize('manage', name);
  if (!(await ctx.broker.deleteQueue(name))) throw sqsErrors.queueDoesNotExist();
  ctx.meta.delete(name);
  ctx.settings.forget(name);
  ctx.purges.forget(name);
  return {};
};

const getQueueAttributes: SqsAction = async (ctx, call) => {
  const name = nameFromUrl(call.input.QueueUrl);
  call.authorize('receive', name);
  const queue = ctx.broker.queue(name);
  const info = await queue.info();
  const all = attributesFor(ctx, info, await queue.stats());
  return { Attributes: pickAttributes(all, call.input.AttributeNames) };
};

const setQueueAttributes: SqsAction = async (ctx, call) => {
  const name = nameFromUrl(call.input.QueueUrl);
  call.authorize('manage', name);
  const info = await queueInfo(ctx, name);
  const parsed = parseQueueAttributes(call.input.Attributes, info.fifo, false, arnToName);
  try {
    if (Object.keys(parsed.options).length > 0) await ctx.broker.queue(name).update(parsed.options);
  } catch (err) {
    if (isSwitchyardError(err, 'QUEUE_NOT_FOUND')) throw sqsErrors.invalidParameterValue('Value for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.');
    throw err;
  }
  const meta = ctx.meta.get(name, info.createdAt);
  ctx.meta.put(name, { ...meta, attributes: { ...meta.attributes, ...parsed.sqs }, lastModified: ctx.clock.now() });
  ctx.settings.forget(name);
  return {};
};

const purgeQueue: SqsAction = async (ctx, call) => {
  const name = nameFromUrl(call.input.QueueUrl);
  call.authorize('manage', name);
  ctx.purges.check(name);
  await ctx.broker.queue(name).purge();
  ctx.purges.purged(name);
  return {};
};

const listDeadLetterSourceQueues: SqsAction = async (ctx, call) => {
  const name = nameFromUrl(call.input.QueueUrl);
  call.authorize('manage', name);
  const sources = await ctx.broker.engine.admin.listDeadLetterSources(name);
  const max = optionalInt(call.input, 'MaxResults', 1, 1000);
  const after = typeof call.input.NextToken === 'string' ? call.input.NextToken : undefined;
  const rest = after === undefined ? sources : sources.filter((s) => s > after);
  const page = max === undefined ? rest : rest.slice(0, max);
  const result: Record<string, unknown> = { queueUrls: page.map((n) => queueUrl(ctx, call, n)) };
  if (max !== undefined && rest.length > max) result.NextToken = page.at(-1);
  return result;
};

const tagQueue: SqsAction = async (ctx, call) => {
  const name = nameFromUrl(call.input.QueueUrl);
  call.authorize('manage', name);
  const info = await queueInfo(ctx, name);
  const meta = ctx.meta.get(name, info.createdAt);
  const tags = { ...meta.tags, ...checkTags(call.input.Tags, true) };
  if (Object.keys(tags).length > 50) throw sqsErrors.invalidParameterValue('Too many tags added for queue (the limit is 50).');
  ctx.meta.put(name, { ...meta, tags });
  return {};
};

const untagQueue: SqsAction = async (ctx, call) => {
  const name = nameFromUrl(call.input.QueueUrl);
  call.authorize('manage', name);
  const keys = call.input.TagKeys;
  if (!Array.isArray(keys) || keys.length === 0) throw sqsErrors.missingParameter('TagKeys');
  if (!keys.every((k) => typeof k === 'string')) throw sqsErrors.invalidParameterValue('Value for parameter TagKeys must be a list of strings.');
  const info = await queueInfo(ctx, name);
  const meta = ctx.meta.get(name, info.createdAt);
  const tags = { ...meta.tags };
  for (const k of keys as string[]) delete tags[k];
  ctx.meta.put(name, { ...meta, tags });
  return {};
};

const listQueueTags: SqsAction = async (ctx, call) => {
  const name = nameFromUrl(call.input.QueueUrl);
  call.authorize('receive', name);
  const info = await queueInfo(ctx, name);
  const tags = ctx.meta.get(name, info.createdAt).tags;
  return Object.keys(tags).length > 0 ? { Tags: tags } : {};
};

export const queueActions: Record<string, SqsAction> = {
  CreateQueue: createQueue,
  GetQueueUrl: getQueueUrl,
  ListQueues: listQueues,
  DeleteQueue: deleteQueue,
  GetQueueAttributes: getQueueAttributes,
  SetQueueAttributes: setQueueAttributes,
  PurgeQueue: purgeQueue,
  ListDeadLetterSourceQueues: listDeadLetterSourceQueues,
  TagQueue: tagQueue,
  UntagQueue: untagQueue,
  ListQueueTags: listQueueTags,
};

export type { SqsCall };
