import { supported, unsupported, type Features } from '@switchyard/core';

export const delaysUnsupported =
  'NATS 2.9 JetStream cannot hold a published message back until a time (message scheduling arrived in 2.12); a nack with a delay works (a delayed -NAK)';

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
  streams: unsupported('not built yet: the stream contract needs consumer groups with partition assignment and atomic offset commits'),
  deadLetterCounts: supported,
  injectedClock: unsupported('AckWait, pull expiry and message timestamps run on the NATS server clock'),
};
