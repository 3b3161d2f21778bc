import type { Headers } from '@switchyard/core';
import type { MessageAttributeValue } from './md5.js';
import { sqsErrors } from './errors.js';

/** Header holding a message's SQS attributes exactly as sent (JSON), so they round-trip. */
export const attributesHeader = 'sqs-message-attributes';
/** Header holding the AWSTraceHeader system attribute. */
export const traceHeader = 'aws-trace-header';
/** Header holding who sent the message (the access key id, or "anonymous"). */
export const senderHeader = 'sqs-sender-id';

const internalHeaders = new Set([attributesHeader, traceHeader, senderHeader]);
const namePattern = /^[A-Za-z0-9_.-]{1,256}$/;
const typePattern = /^(String|Number|Binary)(\.[^\s]{1,250})?$/;
const plainHeaderName = /^[A-Za-z0-9_.:-]{1,128}$/;

export type MessageAttributes = Record<string, MessageAttributeValue>;

/** Checks attributes as SQS does (at most 10, names, data types, values present and well-formed). */
export function checkMessageAttributes(input: unknown): MessageAttributes {
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input)) throw sqsErrors.invalidParameterValue('MessageAttributes must be a map.');
  const entries = Object.entries(input as Record<string, unknown>);
  if (entries.length > 10) throw sqsErrors.invalidParameterValue(`Number of message attributes [${entries.length}] exceeds the allowed maximum [10].`);
  const out: MessageAttributes = {};
  for (const [name, raw] of entries) {
    if (!namePattern.test(name) || name.includes('..') || name.startsWith('.') || name.endsWith('.') || /^(aws\.|amazon\.)/i.test(name)) {
      throw sqsErrors.invalidParameterValue(`Message attribute name '${name}' is invalid.`);
    }
    const a = raw as Partial<MessageAttributeValue> & { StringListValues?: unknown; BinaryListValues?: unknown };
    if (typeof a !== 'object' || a === null) throw sqsErrors.invalidParameterValue(`Message attribute '${name}' must be an object.`);
    if (a.StringListValues !== undefined || a.BinaryListValues !== undefined) {
      throw sqsErrors.invalidParameterValue(`Message attribute list values in '${name}' are not supported.`);
    }
    if (typeof a.DataType !== 'string' || !typePattern.test(a.DataType)) {
      throw sqsErrors.invalidParameterValue(`The message attribute '${name}' has an invalid message attribute type.`);
    }
    const binary = a.DataType.startsWith('Binary');
    if (binary) {
      if (typeof a.BinaryValue !== 'string' || a.BinaryValue.length === 0) {
        throw sqsErrors.invalidParameterValue(`The message attribute '${name}' with type 'Binary' must use field 'Binary'.`);
      }
      out[name] = { DataType: a.DataType, BinaryValue: a.BinaryValue };
    } else {
      if (typeof a.StringValue !== 'string' || a.StringValue.length === 0) {
        throw sqsErrors.invalidParameterValue(`The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${a.DataType}'.`);
      }
      if (a.DataType.startsWith('Number') && !Number.isFinite(Number(a.StringValue))) {
        throw sqsErrors.invalidParameterValue(`Can't cast the value of message (user) attribute '${name}' to a number.`);
      }
      out[name] = { DataType: a.DataType, StringValue: a.StringValue };
    }
  }
  return out;
}

/** Bytes the attributes count toward the message size, as SQS counts them. */
export function attributesSize(attributes: MessageAttributes): number {
  let n = 0;
  for (const [name, a] of Object.entries(attributes)) {
    n += Buffer.byteLength(name) + Buffer.byteLength(a.DataType);
    n += a.BinaryValue !== undefined ? Buffer.from(a.BinaryValue, 'base64').length : Buffer.byteLength(a.StringValue ?? '');
  }
  return n;
}

/**
 * Headers for a message sent over SQS: the attributes verbatim in one header, and string and
 * number attributes also as plain headers, so topic filters and JSON API readers see them.
 */
export function toHeaders(attributes: MessageAttributes, extra: Headers): Headers {
  const headers: Headers = { ...extra };
  if (Object.keys(attributes).length === 0) return headers;
  headers[attributesHeader] = JSON.stringify(attributes);
  for (const [name, a] of Object.entries(attributes)) {
    if (a.StringValue !== undefined && plainHeaderName.test(name) && !internalHeaders.has(name)) headers[name] = a.StringValue;
  }
  return headers;
}

/** The SQS attributes of a stored message; messages sent without SQS get their headers as strings. */
export function fromHeaders(headers: Headers): MessageAttributes {
  const stored = headers[attributesHeader];
  if (stored !== undefined) return JSON.parse(stored) as MessageAttributes;
  const out: MessageAttributes = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!internalHeaders.has(name) && value.length > 0 && namePattern.test(name)) out[name] = { DataType: 'String', StringValue: value };
  }
  return out;
}

/**
 * Picks the attributes a receive asked for: "All" or ".*", exact names, or prefixes ending ".*".
 */
export function selectAttributes(all: MessageAttributes, names: readonly string[] | undefined): MessageAttributes {
  if (!names || names.length === 0) return {};
  const out: MessageAttributes = {};
  const everything = names.includes('All') || names.includes('.*');
  for (const [name, value] of Object.entries(all)) {
    if (everything || names.includes(name) || names.some((n) => n.endsWith('.*') && name.startsWith(n.slice(0, -1)))) out[name] = value;
  }
  return out;
}

/** True when the text holds only the characters SQS allows in a message. */
export function validMessageText(text: string): boolean {
  // eslint-disable-next-line no-control-regex
  return !/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u.test(text);
}
