/** The messages the shop's services exchange: one schema per type, shared by producer and consumer. */
import { defineCatalog } from '@switchyard/consumer';
import { z } from 'zod';

export const shop = defineCatalog({
  'order.created': {
    version: 1,
    schema: z.object({
      orderId: z.string(),
      customerId: z.string(),
      totalCents: z.number().int().positive(),
    }),
  },
});
