import { supported, unsupported, type Features } from '@switchyard/core';

export const delaysUnsupported =
  'NATS 2.9 JetStream cannot hold a published message back until a time (message scheduling arrived in 2.12); a nack with a delay works (a delayed -NAK)';

export const streamTransactionsUnsupported =
  'JetStream 2.9 has no transaction spanning several streams or KV keys, so outputs (records for other streams, copies for queues) cannot be stored in the same step as the offsets; offsets and keyed state of a partition do commit atomically (one KV value)';

/** What JetStream 2.9 can and cannot do for the contract, each with the reason the suite prints. */
export const natsFeatures: Features = {
  fifo: unsupported(
    'JetStream orders a consumer, not a group key: at most one leased message per key would need a consumer per key; deduplication alone (Nats-Msg-Id) is not FIFO',
  ),
  delays: unsupported(delaysUnsupported),
  deadLetter: supported,
  redrive: supported,
  peek: unsupported(
    'a work-queue stream can be read by sequence, but JetStream does not expose which messages are leased or how often each was delivered, so peek could not report state and receives',
  ),
  topics: supported,
  retention: unsupported('expiry is enforced (the stream max_age is the retention period) but JetStream does not count expired messages'),
  streams: supported,
  deadLetterCounts: supported,
  injectedClock: unsupported('AckWait, pull expiry and message timestamps run on the NATS server clock'),
  streamClock: supported,
  streamTransactions: unsupported(streamTransactionsUnsupported),
};
