import { randomBytes } from 'node:crypto';

/**
 * Where a Switchyard stream lives in JetStream. Each incarnation of a stream (a create after a
 * delete is a new one) has a random id, and its partitions, subjects and KV keys are named by
 * that id: JetStream names stay short whatever the stream's name (up to 249 characters), and
 * leftovers of a delete that was cut short can never be mistaken for a new stream's data.
 */
export class StreamNames {
  constructor(readonly prefix: string) {}

  /** The KV bucket with stream settings, consumer groups, committed offsets and state. */
  get bucket(): string {
    return `${this.prefix}_streams`;
  }

  /** A new incarnation id. */
  newId(): string {
    return randomBytes(6).toString('hex');
  }

  /** The JetStream stream holding one partition: its sequence minus one is the offset. */
  partition(id: string, partition: number): string {
    return `${this.prefix}_s_${id}_${partition}`;
  }

  subject(id: string, partition: number): string {
    return `${this.prefix}.s.${id}.${partition}`;
  }

  /** Core NATS subject announcing, after the publish ack, that a partition has new records. */
  appended(id: string, partition: number): string {
    return `${this.prefix}.appended.${id}.${partition}`;
  }

  streamKey(stream: string): string {
    return `s.${token(stream)}`;
  }

  /** The stream's name back from its KV key. */
  streamOfKey(key: string): string {
    return key.slice(2).replaceAll('=', '.');
  }

  countersKey(id: string): string {
    return `n.${id}`;
  }

  groupKey(id: string, group: string): string {
    return `g.${id}.${token(group)}`;
  }

  groupKeys(id: string): string {
    return `g.${id}.*`;
  }

  /** One group's progress in one partition: owner, committed offset and keyed state. */
  progressKey(id: string, group: string, partition: number): string {
    return `o.${id}.${token(group)}.${partition}`;
  }

  progressKeys(id: string): string {
    return `o.${id}.>`;
  }
}

/**
 * Stream and group names may contain `.`, which separates KV key tokens; `=` may not appear in
 * them, so this mapping is one to one.
 */
function token(name: string): string {
  return name.replaceAll('.', '=');
}
