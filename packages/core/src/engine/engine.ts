import type { AdminEngine } from './admin-engine.js';
import type { Features } from './features.js';
import type { QueueEngine } from './queue-engine.js';
import type { StreamEngine } from './stream-engine.js';
import type { TopicEngine } from './topic-engine.js';

/**
 * An engine: where messages live. Split by concern; the `Broker` facade is what applications
 * use. `close()` stops accepting work (later calls reject with ClosedError), ends long polls
 * already waiting with an empty result, commits writes already accepted, and releases the
 * connection. Closing twice is harmless.
 */
export interface Engine {
  readonly name: string;
  readonly features: Features;
  readonly queues: QueueEngine;
  readonly topics: TopicEngine;
  readonly admin: AdminEngine;
  /** Present when `features.streams` is supported. */
  readonly streams?: StreamEngine;
  close(): Promise<void>;
}
