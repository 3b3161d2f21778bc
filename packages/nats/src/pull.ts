import { createInbox, type Msg, type NatsConnection } from '@nats-io/transport-node';

export interface PullRequest {
  batch: number;
  /** Long poll: the server holds the request this long for a message. Absent: `no_wait`, answer with what is ready now. */
  expiresMs?: number;
  signal?: AbortSignal;
}

/** Extra time the client waits for the server's own end-of-request status before giving up on it. */
const graceMs = 5_000;

/**
 * One JetStream pull request (`$JS.API.CONSUMER.MSG.NEXT`) on a durable consumer. The server
 * answers with up to `batch` messages and ends the request with a status (404 no messages, 408
 * expired) or by filling the batch. Waiting is the server's: a long poll returns as soon as a
 * message arrives, without a sleep loop. Aborting unsubscribes the reply inbox, which also
 * withdraws the request: the server drops waiting requests whose reply subject has no interest.
 */
export async function pull(nc: NatsConnection, stream: string, consumer: string, req: PullRequest): Promise<Msg[]> {
  const out: Msg[] = [];
  if (req.signal?.aborted) return out;
  const inbox = createInbox();
  const sub = nc.subscribe(inbox);
  const stop = () => sub.unsubscribe();
  const timer = setTimeout(stop, (req.expiresMs ?? 0) + graceMs);
  req.signal?.addEventListener('abort', stop, { once: true });
  try {
    const body = req.expiresMs === undefined ? { batch: req.batch, no_wait: true } : { batch: req.batch, expires: req.expiresMs * 1_000_000 };
    nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${stream}.${consumer}`, JSON.stringify(body), { reply: inbox });
    for await (const m of sub) {
      // Status messages (no reply subject) end the request; so does a full batch.
      if (!m.reply?.startsWith('$JS.ACK.')) break;
      out.push(m);
      if (out.length >= req.batch) break;
    }
  } finally {
    clearTimeout(timer);
    req.signal?.removeEventListener('abort', stop);
    sub.unsubscribe();
  }
  return out;
}
