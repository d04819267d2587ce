// The Worker entry: HTTP through the Hono app, and the queue consumers.
import { createApp } from './app.ts';
import type { Bindings } from './env.ts';
import { consumeMail } from '../queues/mail.ts';
import { consumeCommandDeadLetters, consumeCommands } from '../queues/commands.ts';
import { consumeWebhookDeadLetters, consumeWebhooks } from '../queues/webhooks.ts';
import { log } from '../core/logger.ts';

export { ClusterDO } from '../durable-objects/cluster/cluster-do.ts';
export { RateLimiterDO } from '../durable-objects/rate-limiter/rate-limiter-do.ts';
export { RegionDO } from '../durable-objects/region/region-do.ts';
export { RealtimeDO } from '../durable-objects/realtime/realtime-do.ts';

const app = createApp();

export default {
  fetch: app.fetch,
  async queue(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
    switch (batch.queue) {
      case 'orochi-mail':
        return consumeMail(batch, env);
      case 'orochi-commands':
        return consumeCommands(batch, env);
      case 'orochi-commands-dlq':
        return consumeCommandDeadLetters(batch, env);
      case 'orochi-webhooks':
        return consumeWebhooks(batch, env);
      case 'orochi-webhooks-dlq':
        return consumeWebhookDeadLetters(batch, env);
      default:
        log('warn', 'messages from an unknown queue retried', { queue: batch.queue, count: batch.messages.length });
        batch.retryAll({ delaySeconds: 60 });
    }
  },
} satisfies ExportedHandler<Bindings>;
