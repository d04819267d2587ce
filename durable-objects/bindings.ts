// What the Durable Objects and the queue consumers reach through their environment: the platform's settings
// (core/settings.ts), each other's namespaces and the queues. The Worker's bindings (workers/env.ts) add its assets.
import type { Command } from '../protocol/agent.ts';
import type { MailMessage } from '../core/mail.ts';
import type { WebhookMessage } from '../core/webhooks/messages.ts';
import type { PlatformVars } from '../core/settings.ts';
import type { ClusterDO } from './cluster/cluster-do.ts';
import type { RateLimiterDO } from './rate-limiter/rate-limiter-do.ts';
import type { RealtimeDO } from './realtime/realtime-do.ts';
import type { RegionDO } from './region/region-do.ts';

export interface ObjectBindings extends PlatformVars {
  RATE_LIMITER: DurableObjectNamespace<RateLimiterDO>;
  CLUSTER: DurableObjectNamespace<ClusterDO>;
  REGION: DurableObjectNamespace<RegionDO>;
  REALTIME: DurableObjectNamespace<RealtimeDO>;
  MAIL_QUEUE: Queue<MailMessage>;
  COMMAND_QUEUE: Queue<Command>;
  WEBHOOK_QUEUE: Queue<WebhookMessage>;
}
