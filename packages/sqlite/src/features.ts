import { supported, type Features } from '@switchyard/core';

/** What the embedded engine supports: everything the contracts describe. */
export const features: Features = {
  fifo: supported,
  delays: supported,
  deadLetter: supported,
  redrive: supported,
  peek: supported,
  topics: supported,
  retention: supported,
  streams: supported,
  deadLetterCounts: supported,
  injectedClock: supported,
  streamClock: supported,
  streamTransactions: supported,
};
