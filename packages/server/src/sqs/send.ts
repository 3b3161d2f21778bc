import type { OutgoingMessage, QueueInfo } from '@switchyard/core';
import { shown, sqsErrors } from './errors.js';
import { md5Hex, md5OfAttributes } from './md5.js';
import { attributesSize, checkMessageAttributes, senderHeader, toHeaders, traceHeader, validMessageText } from './message-attributes.js';
import type { QueueMeta } from './meta-store.js';

export interface PreparedSend {
  message: OutgoingMessage;
  md5OfBody: string;
  md5OfAttributes?: string;
  md5OfSystemAttributes?: string;
  size: number;
}

/**
 * Validates one SendMessage (or batch entry) against the queue as SQS would and turns it into a
 * library message: the body as text, attributes into headers, group id into the key.
 */
export function prepareSend(entry: Record<string, unknown>, info: QueueInfo, meta: QueueMeta, sender: string | undefined): PreparedSend {
  const body = entry.MessageBody;
  if (body === undefined || body === null || body === '') throw sqsErrors.missingParameter('MessageBody');
  if (typeof body !== 'string') throw sqsErrors.invalidParameterValue('MessageBody must be a string.');
  if (!validMessageText(body)) throw sqsErrors.invalidMessageContents();
  const attributes = checkMessageAttributes(entry.MessageAttributes);
  const system = checkSystemAttributes(entry.MessageSystemAttributes);
  const maxSize = Number(meta.attributes.MaximumMessageSize ?? 262_144);
  const size = Buffer.byteLength(body) + attributesSize(attributes);
  if (size > maxSize) throw sqsErrors.invalidParameterValue(`One or more parameters are invalid. Reason: Message must be shorter than ${maxSize} bytes.`);

  const extra: Record<string, string> = {};
  if (system.trace !== undefined) extra[traceHeader] = system.trace;
  if (sender !== undefined) extra[senderHeader] = sender;
  const message: OutgoingMessage = { body, headers: toHeaders(attributes, extra) };

  const delay = entry.DelaySeconds;
  if (delay !== undefined && delay !== null) {
    if (typeof delay !== 'number' || !Number.isInteger(delay) || delay < 0 || delay > 900) {
      throw sqsErrors.invalidParameterValue(`Value ${shown(delay)} for parameter DelaySeconds is invalid. Reason: must be between 0 and 900, if provided.`);
    }
    if (info.fifo) {
      throw sqsErrors.invalidParameterValue(
        `Value ${delay} for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.`,
      );
    }
    message.delayMs = delay * 1000;
  }
  const group = entry.MessageGroupId;
  const dedup = entry.MessageDeduplicationId;
  if (info.fifo) {
    if (typeof group !== 'string' || group.length === 0) throw sqsErrors.missingParameter('MessageGroupId');
    if (dedup === undefined && meta.attributes.ContentBasedDeduplication !== 'true') {
      throw sqsErrors.invalidParameterValue('The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly');
    }
  } else if (dedup !== undefined) {
    throw sqsErrors.invalidParameterValue(`Value ${shown(dedup)} for parameter MessageDeduplicationId is invalid. Reason: The request includes a parameter that is not valid for this queue type.`);
  }
  if (group !== undefined) {
    if (typeof group !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(group)) throw sqsErrors.invalidParameterValue('MessageGroupId is invalid.');
    message.key = group;
  }
  if (dedup !== undefined) {
    if (typeof dedup !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(dedup)) throw sqsErrors.invalidParameterValue('MessageDeduplicationId is invalid.');
    message.dedupId = dedup;
  }
  const prepared: PreparedSend = { message, md5OfBody: md5Hex(body), size };
  if (Object.keys(attributes).length > 0) prepared.md5OfAttributes = md5OfAttributes(attributes);
  if (system.raw) prepared.md5OfSystemAttributes = md5OfAttributes(system.raw);
  return prepared;
}

function checkSystemAttributes(input: unknown): { trace?: string; raw?: Record<string, { DataType: string; StringValue: string }> } {
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input)) throw sqsErrors.invalidParameterValue('MessageSystemAttributes must be a map.');
  const entries = Object.entries(input as Record<string, { DataType?: unknown; StringValue?: unknown }>);
  if (entries.length === 0) return {};
  for (const [name, v] of entries) {
    if (name !== 'AWSTraceHeader') throw sqsErrors.invalidParameterValue(`Message system attribute name '${name}' is invalid.`);
    if (v?.DataType !== 'String' || typeof v.StringValue !== 'string' || v.StringValue.length === 0) {
      throw sqsErrors.invalidParameterValue('The message system attribute AWSTraceHeader must be a non-empty String.');
    }
  }
  const trace = (input as { AWSTraceHeader: { StringValue: string } }).AWSTraceHeader.StringValue;
  return { trace, raw: { AWSTraceHeader: { DataType: 'String', StringValue: trace } } };
}
