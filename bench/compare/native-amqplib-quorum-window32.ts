/** compare.native.amqplib-quorum.window32: the amqplib case with prefetch 32, the broker window Switchyard's consumer gets here. */
import { openWithPrefetch } from './native-amqplib-quorum.js';
import type { CompareTarget } from './workload.js';

export function open(): Promise<CompareTarget> {
  return openWithPrefetch(32);
}
