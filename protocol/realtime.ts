// The realtime protocol (GET /v1/realtime): every message between a client (dashboard, CLI) and its
// organization's RealtimeDO, as zod schemas both ends validate with. JSON text frames, one message per frame.
//
// A socket opened with a valid cookie or Bearer token is ready at once; one opened without (a browser that
// holds the token in script, say) names its org with ?org_id= and must send `auth` within AUTH_TIMEOUT_MS.
// Channels: `org:{org_id}` (the statuses of every cluster in the org) and `cluster:{cluster_id}` (one cluster's
// status, operations, events, metrics and logs). Both need the `clusters:read` permission, checked on every
// subscribe; a cluster channel also needs the cluster to be in the socket's org and not deleted.
import { z } from 'zod';

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

const idPart = '[\\x21-\\x7e]{1,64}';
export const channelSchema = z
  .string()
  .regex(new RegExp(`^(?:org|cluster):${idPart}$`), 'a channel is "org:{org_id}" or "cluster:{cluster_id}"');
export type Channel = z.infer<typeof channelSchema>;

const channelListSchema = z.array(channelSchema).min(1).max(REALTIME_LIMITS.channelsPerSocket);

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

export const realtimeEventTypes = ['cluster.status', 'operation.updated', 'cluster.event', 'metrics.update', 'log.entry'] as const;
export const realtimeEventTypeSchema = z.enum(realtimeEventTypes);
export type RealtimeEventType = z.infer<typeof realtimeEventTypeSchema>;

/**
 * What a publisher (ClusterDO) hands to RealtimeDO.publish: a type and its payload fields. The payload of each
 * type belongs to its publisher; the envelope is fixed here.
 */
export const realtimeEventSchema = z.looseObject({ type: realtimeEventTypeSchema });
export type RealtimeEvent = z.infer<typeof realtimeEventSchema>;

/** A published event as a subscriber receives it: the event plus the channel it came on. */
export const publishedMessageSchema = z.looseObject({ type: realtimeEventTypeSchema, channel: channelSchema });
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
