import type { Channel, ConsumeMessage, GetMessage } from 'amqplib';
import { fromAmqp } from './codec.js';
import type { Context } from './context.js';

/**
 * Puts a delivery nobody leased back into `rabbitQueue` (at its tail): republished with the
 * receives it had before this delivery, confirmed, then acked. A nack with requeue would count a
 * receive, and the quorum queue applies it only after the nack has gone, so a count read just
 * after could miss the message; a confirmed publish is in the count when this resolves. If the
 * publish fails (queue gone, connection lost) the delivery is nacked and the broker returns it.
 */
export async function giveBack(ctx: Context, ch: Channel, rabbitQueue: string, m: ConsumeMessage | GetMessage): Promise<void> {
  const headers = { ...(m.properties.headers ?? {}) } as Record<string, unknown>;
  const receives = fromAmqp(m).previousReceives;
  delete headers['x-delivery-count'];
  if (receives > 0) headers['x-sy-receives'] = String(receives);
  else delete headers['x-sy-receives'];
  const props = { messageId: m.properties.messageId as string, type: m.properties.type as string, headers, persistent: true, mandatory: true };
  try {
    await ctx.conn.publish('', rabbitQueue, m.content, props);
    ch.ack(m);
  } catch {
    ch.nack(m, false, true);
  }
}
