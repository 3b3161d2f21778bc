/**
 * Where a Switchyard object lives in RabbitMQ. Queue and topic names are letters, digits, `-` and
 * `_` (checked by the facade); the prefix keeps them apart from other users of the broker.
 */
export class Names {
  constructor(readonly prefix: string) {}

  /** The quorum queue holding a queue's messages (also the name of its policy). */
  queue(name: string): string {
    return `${this.prefix}.q.${name}`;
  }

  /** The Switchyard queue behind a RabbitMQ queue name, if it is one of ours. */
  fromQueue(rabbitName: string): string | undefined {
    const head = `${this.prefix}.q.`;
    return rabbitName.startsWith(head) ? rabbitName.slice(head.length) : undefined;
  }

  /** The headers exchange of a topic. */
  exchange(topic: string): string {
    return `${this.prefix}.t.${topic}`;
  }

  /** The queue that holds messages for `queue` for `ms`, then dead-letters them into it. */
  delayQueue(queue: string, ms: number): string {
    return `${this.prefix}.d.${queue}.${ms}`;
  }

  isDelayQueue(rabbitName: string): boolean {
    return rabbitName.startsWith(`${this.prefix}.d.`);
  }

  queueParameter(name: string): string {
    return `${this.prefix}.q.${name}`;
  }

  topicParameter(name: string): string {
    return `${this.prefix}.t.${name}`;
  }
}
