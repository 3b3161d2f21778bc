import type { FenceLog } from './fence-log.js';
import type { HttpTransport } from './http.js';
import type { Lifecycle } from './lifecycle.js';
import type { PushChannel } from './push-channel.js';

/** What the engine's parts share: the transports and the engine's open/closed state. */
export interface RemoteContext {
  http: HttpTransport;
  /** Absent when the engine was opened with `push: false`. */
  push: PushChannel | undefined;
  life: Lifecycle;
  /** Present when a ServerClock drives the server (see FenceLog). */
  fences: FenceLog | undefined;
}

export const queuePath = (name: string, rest = ''): string => `/v1/queues/${encodeURIComponent(name)}${rest}`;
export const topicPath = (name: string, rest = ''): string => `/v1/topics/${encodeURIComponent(name)}${rest}`;
export const streamPath = (name: string, rest = ''): string => `/v1/streams/${encodeURIComponent(name)}${rest}`;
export const groupPath = (stream: string, group: string, rest = ''): string => streamPath(stream, `/groups/${encodeURIComponent(group)}${rest}`);
export const prefixQuery = (prefix: string | undefined): string => (prefix === undefined ? '' : `?prefix=${encodeURIComponent(prefix)}`);
