import { isSwitchyardError, type Delivery, type EnqueueResult } from '@switchyard/core';
import { batchFailure, checkBatch, type BatchFailure } from './batch.js';
import { nameFromUrl, optionalInt, queueArn, requireString, type SqsAction, type SqsContext } from './context.js';
import { shown, sqsErrors } from './errors.js';
import { md5Hex, md5OfAttributes } from './md5.js';
import { fromHeaders, selectAttributes, senderHeader, traceHeader } from './message-attributes.js';
import { prepareSend, type PreparedSend } from './send.js';

const sendMessage: SqsAction = async (ctx, call) => {
  const name = nameFromUrl(call.input.QueueUrl);
  call.authorize('send', name);
  const queue = ctx.broker.queue(name);
  const { info, meta } = await ctx.settings.get(name);
  const prepared = prepareSend(call.input, info, meta, call.principal ?? 'anonymous');
  const result = await queue.send(prepared.message);
  ctx.metrics.sent.inc({ queue: name });
  return sendResult(result, prepared, info.fifo);
};

/** SQS numbers messages of FIFO queues only. */
function sendResult(result: EnqueueResult, p: PreparedSend, fifo: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { MessageId: result.id, MD5OfMessageBody: p.md5OfBody };
  if (fifo && result.sequence !== undefined) out.SequenceNumber = result.sequence;
  if (p.md5OfAttributes) out.MD5OfMessageAttributes = p.md5OfAttributes;
  if (p.md5OfSystemAttributes) out.MD5OfMessageSystemAttributes = p.md5OfSystemAttributes;
  return out;
}

const sendMessageBatch: SqsAction = async (ctx, call) => {
  const name = nameFromUrl(call.input.QueueUrl);
  call.authorize('send', name);
  const entries = checkBatch(call.input.Entries);
  const queue = ctx.broker.queue(name);
  const { info, meta } = await ctx.settings.get(name);
  const maxSize = Number(meta.attributes.MaximumMessageSize ?? 262_144);
  const failed: BatchFailure[] = [];
  const ok: { id: string; prepared: PreparedSend }[] = [];
  for (const e of entries) {
    try {
      ok.push({ id: e.Id as string, prepared: prepareSend(e, info, meta, call.principal ?? 'anonymous') });
    } catch (err) {
      failed.push(batchFailure(e.Id as string, err));
    }
  }
  if (ok.reduce((n, e) => n + e.prepared.size, 0) > maxSize) throw sqsErrors.batchTooLong(maxSize);
  // The valid entries are stored together, atomically.
  const results = ok.length > 0 ? await queue.sendBatch(ok.map((e) => e.prepared.message)) : [];
  ctx.metrics.sent.inc({ queue: name }, results.length);
  return {
    Successful: ok.map((e, i) => ({ Id: e.id, ...sendResult(results[i] as EnqueueResult, e.prepared, info.fifo) })),
    Failed: failed,
  };
};

const systemNames = [
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
  'SequenceNumber',
  'MessageDeduplicationId',
  'MessageGroupId',
  'AWSTraceHeader',
  'DeadLetterQueueSourceArn',
];

function systemAttributes(ctx: SqsContext, d: Delivery, wanted: readonly string[], fifo: boolean): Record<string, string> {
  const all: Record<string, string> = {
    SenderId: d.headers[senderHeader] ?? 'anonymous',
    SentTimestamp: String(d.timestamp),
    ApproximateReceiveCount: String(d.attempt),
  };
  if (d.firstReceivedAt !== undefined) all.ApproximateFirstReceiveTimestamp = String(d.firstReceivedAt);
  if (fifo && d.sequence !== undefined) all.SequenceNumber = d.sequence;
  if (d.key !== undefined) all.MessageGroupId = d.key;
  if (d.dedupId !== undefined) all.MessageDeduplicationId = d.dedupId;
  if (d.headers[traceHeader] !== undefined) all.AWSTraceHeader = d.headers[traceHeader];
  if (d.headers['dead-letter-source'] !== undefined) all.DeadLetterQueueSourceArn = queueArn(ctx, d.headers['dead-letter-source']);
  if (wanted.includes('All')) return all;
  const out: Record<string, string> = {};
  for (const n of wanted) if (all[n] !== undefined) out[n] = all[n];
  return out;
}

function names(input: unknown, field: string): string[] {
  if (input === undefined || input === null) return [];
  if (!Array.isArray(input) || input.some((n) => typeof n !== 'string')) throw sqsErrors.invalidParameterValue(`${field} must be a list of strings.`);
  return input as string[];
}

const receiveMessage: SqsAction = async (ctx, call) => {
  const name = nameFromUrl(call.input.QueueUrl);
  call.authorize('receive', name);
  const max = optionalInt(call.input, 'MaxNumberOfMessages', 1, 10) ?? 1;
  const visibility = optionalInt(call.input, 'VisibilityTimeout', 0, 43_200);
  let wait = optionalInt(call.input, 'WaitTimeSeconds', 0, 20);
  const wantedSystem = [...names(call.input.AttributeNames, 'AttributeNames'), ...names(call.input.MessageSystemAttributeNames, 'MessageSystemAttributeNames')];
  for (const n of wantedSystem) if (n !== 'All' && !systemNames.includes(n)) throw sqsErrors.invalidAttributeName(n);
  const wantedUser = names(call.input.MessageAttributeNames, 'MessageAttributeNames');
  const queue = ctx.broker.queue(name);
  const { info, meta } = await ctx.settings.get(name);
  wait ??= Number(meta.attributes.ReceiveMessageWaitTimeSeconds ?? 0);
  let messages: Delivery[];
  try {
    messages = await queue.receive({
      max,
      waitMs: wait * 1000,
      ...(visibility === undefined ? {} : { visibilityMs: visibility * 1000 }),
      signal: call.signal,
    });
  } catch (err) {
    if (isSwitchyardError(err, 'ABORTED')) return {};
    throw err;
  }
  ctx.metrics.received.inc({ queue: name }, messages.length);
  if (messages.length === 0) return {};
  return {
    Messages: messages.map((d) => {
      const body = typeof d.body === 'string' ? d.body : d.body instanceof Uint8Array ? Buffer.from(d.body).toString('base64') : JSON.stringify(d.body);
      const m: Record<string, unknown> = { MessageId: d.id, ReceiptHandle: d.receipt, MD5OfBody: md5Hex(body), Body: body };
      const attrs = systemAttributes(ctx, d, wantedSystem, info.fifo);
      if (Object.keys(attrs).length > 0) m.Attributes = attrs;
      const user = selectAttributes(fromHeaders(d.headers), wantedUser);
      if (Object.keys(user).length > 0) {
        m.MessageAttributes = user;
        m.MD5OfMessageAttributes = md5OfAttributes(user);
      }
      return m;
    }),
  };
};

/** SQS's error for a receipt the broker refused; any other error as it is. */
function receiptError(err: unknown, handle: string): unknown {
  if (isSwitchyardError(err, 'INVALID_RECEIPT') || isSwitchyardError(err, 'INVALID_ARGUMENT')) return sqsErrors.receiptHandleIsInvalid(handle);
  if (isSwitchyardError(err, 'RECEIPT_EXPIRED')) return sqsErrors.receiptExpired(handle);
  return err;
}

async function settle(run: () => Promise<void>, handle: string): Promise<void> {
  try {
    await run();
  } catch (err) {
    throw receiptError(err, handle);
  }
}

const deleteMessage: SqsAction = async (ctx, call) => {
  const name = nameFromUrl(call.input.QueueUrl);
  call.authorize('receive', name);
  const handle = requireString(call.input, 'ReceiptHandle');
  await settle(() => ctx.broker.queue(name).ack(handle), handle);
  ctx.metrics.acked.inc({ queue: name });
  return {};
};

const changeVisibility = async (ctx: SqsContext, name: string, handle: string, seconds: unknown): Promise<void> => {
  if (seconds === undefined || seconds === null) throw sqsErrors.missingParameter('VisibilityTimeout');
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0 || seconds > 43_200) {
    throw sqsErrors.invalidParameterValue(`Value ${shown(seconds)} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200.`);
  }
  try {
    await settle(() => ctx.broker.queue(name).extend(handle, seconds * 1000), handle);
  } catch (err) {
    // SQS's word for a message whose lease has ended.
    if ((err as { type?: string }).type === 'InvalidParameterValue') throw sqsErrors.messageNotInflight();
    throw err;
  }
};

const changeMessageVisibility: SqsAction = async (ctx, call) => {
  const name = nameFromUrl(call.input.QueueUrl);
  call.authorize('receive', name);
  await changeVisibility(ctx, name, requireString(call.input, 'ReceiptHandle'), call.input.VisibilityTimeout);
  return {};
};

/** Runs one settle per entry and reports each entry's outcome, as SQS batch calls do. */
async function perEntry(entries: Record<string, unknown>[], run: (e: Record<string, unknown>) => Promise<void>) {
  const Successful: { Id: string }[] = [];
  const Failed: BatchFailure[] = [];
  await Promise.all(
    entries.map(async (e) => {
      try {
        await run(e);
        Successful.push({ Id: e.Id as string });
      } catch (err) {
        Failed.push(batchFailure(e.Id as string, err));
      }
    }),
  );
  return { Successful, Failed };
}

const deleteMessageBatch: SqsAction = async (ctx, call) => {
  const name = nameFromUrl(call.input.QueueUrl);
  call.authorize('receive', name);
  const entries = checkBatch(call.input.Entries);
  await ctx.settings.get(name);
  const Successful: { Id: string }[] = [];
  const Failed: BatchFailure[] = [];
  const handles: string[] = [];
  const ids: string[] = [];
  for (const e of entries) {
    try {
      handles.push(requireString(e, 'ReceiptHandle'));
      ids.push(e.Id as string);
    } catch (err) {
      Failed.push(batchFailure(e.Id as string, err));
    }
  }
  // One engine operation for the valid entries; each still succeeds or fails on its own.
  const outcomes = handles.length > 0 ? await ctx.broker.queue(name).ackBatch(handles) : [];
  outcomes.forEach((o, i) => {
    const id = ids[i] as string;
    if (o.ok) Successful.push({ Id: id });
    else Failed.push(batchFailure(id, receiptError(o.error, handles[i] as string)));
  });
  ctx.metrics.acked.inc({ queue: name }, Successful.length);
  return { Successful, Failed };
};

const changeMessageVisibilityBatch: SqsAction = async (ctx, call) => {
  const name = nameFromUrl(call.input.QueueUrl);
  call.authorize('receive', name);
  const entries = checkBatch(call.input.Entries);
  await ctx.settings.get(name);
  return perEntry(entries, (e) => changeVisibility(ctx, name, requireString(e, 'ReceiptHandle'), e.VisibilityTimeout));
};

export const messageActions: Record<string, SqsAction> = {
  SendMessage: sendMessage,
  SendMessageBatch: sendMessageBatch,
  ReceiveMessage: receiveMessage,
  DeleteMessage: deleteMessage,
  DeleteMessageBatch: deleteMessageBatch,
  ChangeMessageVisibility: changeMessageVisibility,
  ChangeMessageVisibilityBatch: changeMessageVisibilityBatch,
};
