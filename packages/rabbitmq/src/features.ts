import { supported, unsupported, type Features } from '@switchyard/core';

const streamsReason = 'not built yet: RabbitMQ streams need the stream protocol for offsets and consumer groups with partition assignment';

/** What RabbitMQ 3.10 can and cannot do for the contract, each with the reason the suite prints. */
export const rabbitFeatures: Features = {
  fifo: unsupported(
    'a quorum queue keeps one order for the whole queue: one leased message per group key and a deduplication window have no RabbitMQ equivalent',
  ),
  delays: supported,
  deadLetter: supported,
  redrive: supported,
  peek: unsupported('AMQP 0-9-1 can only read a message by delivering it, which leases it and counts a delivery'),
  topics: supported,
  retention: unsupported('message-ttl drops (or dead-letters) old messages, but RabbitMQ does not count expired messages'),
  streams: unsupported(streamsReason),
  injectedClock: unsupported('leases, delays and expiry run on the broker clock and real-time timers'),
  deadLetterCounts: unsupported('RabbitMQ does not count the messages a queue dead-letters, and the broker moves most of them itself'),
  streamClock: unsupported(streamsReason),
  streamTransactions: unsupported(streamsReason),
};
