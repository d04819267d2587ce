// What an organization's webhook endpoints receive: the event types, an endpoint's filter over them, and the body
// of one event in the Standard Webhooks shape (`{ type, timestamp, data }`). Events come from what the ClusterDO
// publishes live (durable-objects/cluster/messages.ts), so a webhook says what the dashboard shows.
import type { RealtimeEvent } from '../../protocol/realtime.ts';

export const webhookEventTypes = ['cluster.updated', 'operation.updated', 'backup.updated', 'webhook.test'] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];

/** A filter entry: an exact type, `<group>.*` for a group, or `*` for everything. */
export const EVENT_FILTER_PATTERN = /^(\*|(cluster|operation|backup|webhook)\.(\*|[a-z_]+))$/;

export function isValidFilter(entry: string): boolean {
  return EVENT_FILTER_PATTERN.test(entry) && (entry.endsWith('*') || (webhookEventTypes as readonly string[]).includes(entry));
}

/** An empty filter takes every event; the test ping reaches every endpoint it is sent to, whatever its filter. */
export function filterMatches(filter: readonly string[], type: string): boolean {
  if (filter.length === 0 || type === 'webhook.test') return true;
  return filter.some((entry) => entry === '*' || entry === type || (entry.endsWith('.*') && type.startsWith(entry.slice(0, -1))));
}

export interface WebhookEvent {
  /** The `webhook-id`: one per event, shared by its deliveries to every endpoint. */
  message_id: string;
  org_id: string;
  type: WebhookEventType;
  timestamp: string;
  data: Record<string, unknown>;
}

/** The webhook event a live update stands for, or null for updates that are not webhook events (log lines, metrics). */
export function webhookEventOf(event: RealtimeEvent): Pick<WebhookEvent, 'type' | 'data'> | null {
  switch (event.type) {
    case 'cluster.status':
      return { type: 'cluster.updated', data: { cluster: event.cluster } };
    case 'operation.updated':
      return { type: 'operation.updated', data: { operation: event.operation } };
    case 'backup.updated':
      return { type: 'backup.updated', data: { backup: event.backup } };
    default:
      return null;
  }
}

/** The exact body delivered and signed. */
export function eventBody(event: WebhookEvent): string {
  return JSON.stringify({ type: event.type, timestamp: event.timestamp, data: event.data });
}
