// The realtime protocol (GET /v1/realtime): every message between a client (dashboard, CLI) and its
// organization's RealtimeDO, as zod schemas both ends validate with. JSON text frames, one message per frame.
//
// A socket opened with a valid cookie or Bearer token is ready at once; one opened without (a browser that
// holds the token in script, say) names its org with ?org_id= and must send `auth` within AUTH_TIMEOUT_MS.
// Channels: `org:{org_id}` (the statuses of every cluster in the org), `cluster:{cluster_id}` (one cluster's
// status, operations, events and backups), `metrics:{cluster_id}` (its samples and health probes) and
// `logs:{cluster_id}` (its server log while followed). All need the `clusters:read` permission, checked on every
// subscribe; a cluster's channels also need the cluster to be in the socket's org and not deleted.
import { z } from 'zod';
import { healthProbeSchema, logEntrySchema, metricValuesSchema } from './observability.ts';
import { clusterEventSchema, clusterSchema, operationSchema, timestampSchema, backupSchema, restoreWindowSchema } from './resources.ts';

export const REALTIME_LIMITS = {
  /** An unauthenticated socket that has not sent a valid `auth` by then is closed with CLOSE_CODES.unauthenticated. */
  authTimeoutMs: 10_000,
  /**
   * Subscriptions live in the socket's hibernation attachment, which the runtime caps at 16 KiB: 100 channels
   * of the longest id allowed take under 8 KiB of it.
   */
  channelsPerSocket: 100,
  /** The largest client frame read; a subscribe naming 100 of the longest channels fits. */
  messageBytes: 16 * 1024,
} as const;

export const CLOSE_CODES = {
  /** No valid credentials: a bad `auth` token, a token of someone not in the org, or no `auth` in time. */
  unauthenticated: 4401,
  /** The user is no longer a member of the organization. */
  membershipEnded: 4403,
  /** The session the socket was opened with has ended (signed out, password changed, refresh token reused). */
  sessionEnded: 4409,
} as const;

/**
 * `org:` an org's cluster statuses; `cluster:` one cluster's status, operations, events, backups; `metrics:` its samples
 * and health probes; `logs:` its server log, followed by the region's agent only while someone subscribes.
 */
export const channelKinds = ['org', 'cluster', 'metrics', 'logs'] as const;
export type ChannelKind = (typeof channelKinds)[number];
const idPart = '[\\x21-\\x7e]{1,64}';
export const channelSchema = z
  .string()
  .regex(new RegExp(`^(?:${channelKinds.join('|')}):${idPart}$`), 'a channel is "org:{org_id}", "cluster:{cluster_id}", "metrics:{cluster_id}" or "logs:{cluster_id}"');
export type Channel = z.infer<typeof channelSchema>;

const channelListSchema = z.array(channelSchema).min(1).max(REALTIME_LIMITS.channelsPerSocket);

/** The channels one event is published on (a cluster's and its org's, say); it is sent once per channel. */
export const publishChannelsSchema = z.array(channelSchema).min(1);

// ---- client -> server ----

export const authMessageSchema = z.object({ type: z.literal('auth'), token: z.string().min(1).max(4096) });
export const subscribeMessageSchema = z.object({ type: z.literal('subscribe'), channels: channelListSchema });
export const unsubscribeMessageSchema = z.object({ type: z.literal('unsubscribe'), channels: channelListSchema });
export const pingMessageSchema = z.object({ type: z.literal('ping') });

export const clientMessageSchema = z.discriminatedUnion('type', [
  authMessageSchema,
  subscribeMessageSchema,
  unsubscribeMessageSchema,
  pingMessageSchema,
]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;

/** The exact text of a bare ping, answered by the runtime without waking a hibernating RealtimeDO. */
export const PING_FRAME = '{"type":"ping"}';
export const PONG_FRAME = '{"type":"pong"}';

// ---- server -> client: replies ----

export const readyMessageSchema = z.object({
  type: z.literal('ready'),
  connection_id: z.string(),
  user_id: z.string(),
  org_id: z.string(),
});

export const subscribedMessageSchema = z.object({ type: z.literal('subscribed'), channels: z.array(channelSchema) });
export const unsubscribedMessageSchema = z.object({ type: z.literal('unsubscribed'), channels: z.array(channelSchema) });
export const pongMessageSchema = z.object({ type: z.literal('pong') });

export const realtimeErrorCodes = [
  /** Not JSON, not an object, an unknown type, or fields that fail validation. */
  'bad_request',
  /** A frame over REALTIME_LIMITS.messageBytes. */
  'message_too_large',
  /** No or bad credentials; `auth` first, or the token failed. */
  'unauthorized',
  /** A subscribe naming channels the user may not read (listed in `channels`); nothing was subscribed. */
  'forbidden',
  /** The socket is not (or no longer) a member's. */
  'not_found',
  /** The subscription would pass REALTIME_LIMITS.channelsPerSocket; nothing was subscribed. */
  'too_many_channels',
  'internal_error',
] as const;
export type RealtimeErrorCode = (typeof realtimeErrorCodes)[number];

export const errorMessageSchema = z.object({
  type: z.literal('error'),
  code: z.enum(realtimeErrorCodes),
  message: z.string(),
  /** The client message the error answers (its token left out), or null when it could not be read. */
  request: z.unknown(),
  channels: z.array(z.string()).optional(),
});

// ---- server -> client: published on a channel ----
//
// What a publisher (the ClusterDO, the RegionDO) hands to RealtimeDO.publish: one of these events, each type with
// its payload. A subscriber receives it with the `channel` it came on. The shapes of the payloads are the API's
// (protocol/resources.ts): a live update carries the same record a REST read returns, whole, so a client can put it
// in place of the copy it holds (keeping the fresher by `updated_at`).

export const clusterStatusEventSchema = z.object({ type: z.literal('cluster.status'), cluster: clusterSchema });
export const operationUpdatedEventSchema = z.object({ type: z.literal('operation.updated'), operation: operationSchema });
export const clusterEventEventSchema = z.object({ type: z.literal('cluster.event'), event: clusterEventSchema });
export const backupUpdatedEventSchema = z.object({ type: z.literal('backup.updated'), backup: backupSchema });
export const restoreWindowUpdatedEventSchema = z.object({ type: z.literal('restore_window.updated'), restore_window: restoreWindowSchema });

/** Each new sample of a cluster (name -> value) as the agent sends it, on `metrics:{cluster_id}`. */
export const metricsUpdateEventSchema = z.object({
  type: z.literal('metrics.update'),
  cluster_id: z.string(),
  at: timestampSchema,
  values: metricValuesSchema,
});

/** One new line of the cluster's server log, on `logs:{cluster_id}`: streamed only while someone subscribes. */
export const logEntryEventSchema = logEntrySchema.extend({
  type: z.literal('log.entry'),
  cluster_id: z.string(),
});

/** A health probe's outcome, on `metrics:{cluster_id}`. */
export const healthProbeEventSchema = healthProbeSchema.extend({
  type: z.literal('health.probe'),
  cluster_id: z.string(),
  at: timestampSchema,
});

export const realtimeEventSchema = z.discriminatedUnion('type', [
  clusterStatusEventSchema,
  operationUpdatedEventSchema,
  clusterEventEventSchema,
  backupUpdatedEventSchema,
  restoreWindowUpdatedEventSchema,
  metricsUpdateEventSchema,
  logEntryEventSchema,
  healthProbeEventSchema,
]);
export type RealtimeEvent = z.infer<typeof realtimeEventSchema>;
export type RealtimeEventType = RealtimeEvent['type'];
/** The event of one type, e.g. `RealtimeEventOf<'cluster.status'>` is `{ type: 'cluster.status'; cluster: Cluster }`. */
export type RealtimeEventOf<T extends RealtimeEventType> = Extract<RealtimeEvent, { type: T }>;

/** A published event as a subscriber receives it: the event plus the channel it came on. */
export const publishedMessageSchema = z.discriminatedUnion('type', [
  clusterStatusEventSchema.extend({ channel: channelSchema }),
  operationUpdatedEventSchema.extend({ channel: channelSchema }),
  clusterEventEventSchema.extend({ channel: channelSchema }),
  backupUpdatedEventSchema.extend({ channel: channelSchema }),
  restoreWindowUpdatedEventSchema.extend({ channel: channelSchema }),
  metricsUpdateEventSchema.extend({ channel: channelSchema }),
  logEntryEventSchema.extend({ channel: channelSchema }),
  healthProbeEventSchema.extend({ channel: channelSchema }),
]);
export type PublishedMessage = z.infer<typeof publishedMessageSchema>;

export const serverMessageSchema = z.union([
  readyMessageSchema,
  subscribedMessageSchema,
  unsubscribedMessageSchema,
  pongMessageSchema,
  errorMessageSchema,
  publishedMessageSchema,
]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;
