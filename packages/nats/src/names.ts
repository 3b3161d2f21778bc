/**
 * Where a Switchyard object lives in JetStream. Queue and topic names are letters, digits, `-`
 * and `_` (checked by the facade), all legal in stream names, subjects and KV keys.
 */
export class Names {
  constructor(readonly prefix: string) {}

  /** The work-queue stream holding a queue's messages. */
  stream(queue: string): string {
    return `${this.prefix}_q_${queue}`;
  }

  subject(queue: string): string {
    return `${this.prefix}.q.${queue}`;
  }

  /** The one durable pull consumer every engine shares on a queue's stream. */
  readonly consumer = 'switchyard';

  /** The KV bucket with queue settings, topics, subscriptions and counters. */
  get bucket(): string {
    return `${this.prefix}_meta`;
  }

  /** A reply subject JetStream accepts acks on, rebuilt from a receipt. */
  ackSubject(queue: string, delivered: number, streamSeq: number, consumerSeq: number): string {
    return `$JS.ACK.${this.stream(queue)}.${this.consumer}.${delivered}.${streamSeq}.${consumerSeq}.0.0`;
  }
}

/** The parts of a JetStream ack subject (v1 form `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>`, or v2 with domain and account). */
export interface AckInfo {
  delivered: number;
  streamSeq: number;
  consumerSeq: number;
  /** When the message entered the stream, epoch ms. */
  timestampMs: number;
}

export function parseAckSubject(reply: string): AckInfo | undefined {
  const t = reply.split('.');
  if (t[0] !== '$JS' || t[1] !== 'ACK' || (t.length !== 9 && t.length < 12)) return undefined;
  const at = t.length === 9 ? 4 : 6;
  const n = (i: number) => Number(t[at + i]);
  return { delivered: n(0), streamSeq: n(1), consumerSeq: n(2), timestampMs: Math.floor(Number(BigInt(t[at + 3] ?? '0') / 1_000_000n)) };
}
