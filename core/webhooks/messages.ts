// What goes on the webhooks queue. An `event` is sent once per event by whoever caused it (the ClusterDO, the test
// ping route); the consumer fans it out into one delivery row per matching endpoint and one `delivery` message each,
// so a slow or failing endpoint retries alone.
import { z } from 'zod';
import { newId } from '../../protocol/ids.ts';
import type { RealtimeEvent } from '../../protocol/realtime.ts';
import { log } from '../logger.ts';
import { webhookEventOf, webhookEventTypes } from './events.ts';

export const webhookMessageSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('event'),
    message_id: z.string().min(1),
    org_id: z.string().min(1),
    type: z.enum(webhookEventTypes),
    timestamp: z.string(),
    data: z.record(z.string(), z.unknown()),
    /** Only this endpoint (the test ping); otherwise every enabled endpoint of the org whose filter matches. */
    endpoint_id: z.string().optional(),
  }),
  z.object({ kind: z.literal('delivery'), delivery_id: z.string().min(1) }),
]);
export type WebhookMessage = z.infer<typeof webhookMessageSchema>;

/** One queue message per published update that is a webhook event; best effort, like the live updates themselves. */
export async function enqueueWebhookEvents(queue: Queue<WebhookMessage>, items: Array<{ orgId: string; event: RealtimeEvent }>): Promise<void> {
  const messages = items.flatMap((item) => {
    const event = webhookEventOf(item.event);
    if (!event) return [];
    const body: WebhookMessage = { kind: 'event', message_id: newId('msg'), org_id: item.orgId, timestamp: new Date().toISOString(), ...event };
    return [{ body }];
  });
  if (messages.length === 0) return;
  try {
    await queue.sendBatch(messages);
  } catch (error) {
    log('warn', 'webhook events not enqueued', { count: messages.length, error: String(error) });
  }
}
