import type { FilterPolicy } from '../filter-policy.js';

export interface TopicInfo {
  name: string;
  createdAt: number;
}

export interface SubscriptionOptions {
  /** The queue that receives a copy of every matching message. */
  queue: string;
  /** Header filter; absent means every message. */
  filter?: FilterPolicy | null;
}

export interface SubscriptionInfo {
  id: string;
  topic: string;
  queue: string;
  filter: FilterPolicy | null;
  createdAt: number;
}
