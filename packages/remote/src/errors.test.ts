import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AbortedError,
  BatchTooLargeError,
  ClosedError,
  ErrorCode,
  InvalidArgumentError,
  InvalidFilterPolicyError,
  InvalidNameError,
  InvalidReceiptError,
  isSwitchyardError,
  MessageTooLargeError,
  NoDeadLetterQueueError,
  NotPartitionOwnerError,
  OffsetOutOfRangeError,
  PartitionOutOfRangeError,
  QueueAlreadyExistsError,
  QueueInUseError,
  QueueNotFoundError,
  ReceiptExpiredError,
  StreamAlreadyExistsError,
  StreamNotFoundError,
  SwitchyardError,
  TopicNotFoundError,
  UnknownMemberError,
  UnsupportedError,
} from '@switchyard/core';
import { errorFromDetail, errorFromResponse, RemoteHttpError, RemoteUnavailableError } from './errors.js';

const url = 'http://127.0.0.1:4100';

/** Every error the engine contracts raise, as the server would have built it. */
const originals: SwitchyardError[] = [
  new InvalidArgumentError('messages[1].delayMs', 'must be an integer from 0 to 900000'),
  new InvalidArgumentError('fifo', 'cannot change after the queue is created'),
  new InvalidNameError('queue', 'a b', 'letters, digits, "-" and "_" only, 1 to 80 characters'),
  new InvalidNameError('queue', 'x: "y"', 'quotes: and colons'),
  new MessageTooLargeError(3000, 2048, 1),
  new BatchTooLargeError(1001, 1000),
  new QueueNotFoundError('orders'),
  new QueueNotFoundError('we"ird'),
  new QueueAlreadyExistsError('orders', 'with other settings: visibilityTimeoutMs 10000, not 20000'),
  new QueueInUseError('orders-dlq', 'it is the dead-letter queue of orders'),
  new TopicNotFoundError('events'),
  new StreamNotFoundError('clicks'),
  new StreamAlreadyExistsError('clicks', 'with 4 partitions, not 2'),
  new PartitionOutOfRangeError('clicks.v2', 7, 4),
  new PartitionOutOfRangeError('clicks', -1, 1),
  new OffsetOutOfRangeError('clicks', 3, 12, 5, 10),
  new OffsetOutOfRangeError('clicks', 0, -1, 0, 0),
  new NotPartitionOwnerError('clicks', 'billing', 'worker "1" of group "x" (any more)', 2),
  new UnknownMemberError('clicks', 'billing', 'member-0b9a: has no member "m"'),
  new InvalidReceiptError('it was issued by another queue, not "b"'),
  new ReceiptExpiredError('orders'),
  new NoDeadLetterQueueError('orders'),
  new InvalidFilterPolicyError('$.price[0].numeric', 'expects a number after ">"'),
  new UnsupportedError('streams', 'no stream endpoints'),
  new ClosedError(),
  new ClosedError('server'),
  new AbortedError(),
];

/** An error's own fields (code, queue, field, size, …), which callers may read. */
function fields(err: Error): Record<string, unknown> {
  return Object.fromEntries(Object.entries(err));
}

describe('errorFromResponse', () => {
  for (const original of originals) {
    it(`rebuilds ${original.constructor.name} (${original.code}) with its fields: ${original.message}`, () => {
      const rebuilt = errorFromResponse(url, 400, { code: original.code, message: original.message });
      assert.equal(rebuilt.constructor, original.constructor);
      assert.ok(isSwitchyardError(rebuilt, original.code));
      assert.equal(rebuilt.message, original.message);
      assert.deepEqual(fields(rebuilt), fields(original));
    });
  }

  it('keeps the code of an engine error core has no class for', () => {
    const err = errorFromResponse(url, 400, { code: ErrorCode.LeaseLost, message: 'the lease on "m" was lost' });
    assert.ok(isSwitchyardError(err, ErrorCode.LeaseLost));
    assert.equal(err.message, 'the lease on "m" was lost');
  });

  it('keeps the server\'s message even where it cannot recover the fields', () => {
    const err = errorFromResponse(url, 404, { code: ErrorCode.QueueNotFound, message: 'no such queue, worded differently' });
    assert.ok(err instanceof QueueNotFoundError);
    assert.equal(err.message, 'no such queue, worded differently');
  });

  it('turns HTTP-layer refusals into RemoteHttpError (code HTTP_STATUS) with the status and the server code', () => {
    const err = errorFromResponse(url, 403, { code: 'FORBIDDEN', message: 'ORDERS may not manage *' });
    assert.ok(err instanceof RemoteHttpError);
    assert.ok(isSwitchyardError(err, ErrorCode.HttpStatus));
    assert.equal(err.status, 403);
    assert.equal(err.serverCode, 'FORBIDDEN');
    assert.equal(err.message, 'HTTP 403 FORBIDDEN: ORDERS may not manage *');
  });

  it('names a response without an error body by its status', () => {
    const err = errorFromResponse(url, 503, undefined);
    assert.ok(err instanceof RemoteHttpError);
    assert.equal(err.serverCode, 'HTTP_503');
  });

  it('treats a 5xx without an engine code as an unknown outcome, not as a refusal', () => {
    const err = errorFromResponse(url, 500, { code: 'INTERNAL', message: 'internal error' });
    assert.ok(err instanceof RemoteUnavailableError);
    assert.equal(isSwitchyardError(err), false, 'a SwitchyardError would promise that nothing changed');
    assert.match(err.message, /^http:\/\/127\.0\.0\.1:4100: the server failed \(HTTP 500 INTERNAL\)/);
  });
});

describe('errorFromDetail', () => {
  it('derives the status of HTTP-layer codes that arrive without one (push channel, ack results)', () => {
    const unauthorized = errorFromDetail(url, { code: 'UNAUTHORIZED', message: 'send a token' });
    assert.ok(unauthorized instanceof RemoteHttpError);
    assert.equal(unauthorized.status, 401);
    assert.ok(errorFromDetail(url, { code: ErrorCode.ReceiptExpired, message: new ReceiptExpiredError('q').message }) instanceof ReceiptExpiredError);
  });
});
