import { supported, unsupported, type Features } from '@switchyard/core';

/**
 * Checked against RabbitMQ 3.10.8 (Debian's): a stream queue over AMQP 0-9-1 takes confirmed
 * publishes and replays from `x-stream-offset`, but the rest of the contract has nothing native
 * to stand on, and building it in the client is the emulation this package avoids.
 */
const streamsReason =
  'RabbitMQ 3.10 streams cannot carry the stream contract natively: a publisher confirm does not say which offset a record got (append must return it); ' +
  'neither queue.declare (message count 0 for a stream) nor the management API reports a stream\'s first or last offset; ' +
  'consumer groups (single active consumer, super streams) and the StreamStats command arrive in 3.11; ' +
  'and x-max-age / x-max-length-bytes drop whole segments without regard for committed offsets and without a count. Use the SQLite, PostgreSQL, Redis or NATS engine for streams';

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
