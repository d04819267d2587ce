// The way into an organization's RealtimeDO, for the Worker (upgrades, member removal) and the ClusterDO
// (publishing). One object per org: a client socket subscribes to many of its clusters, and a socket can live
// in only one Durable Object.
import type { ObjectBindings } from '../bindings.ts';

/**
 * Set by the Worker on the upgrade it forwards, after it has checked the caller; the Worker builds that
 * request's headers from scratch, so a client can never supply these.
 */
export const REALTIME_ORG_HEADER = 'x-orochi-realtime-org';
export const REALTIME_USER_HEADER = 'x-orochi-realtime-user';
export const REALTIME_SESSION_HEADER = 'x-orochi-realtime-session';
/** Set when the upgrade was authenticated with an API key: its id (the user header then names its creator). */
export const REALTIME_KEY_HEADER = 'x-orochi-realtime-key';

export function realtimeFor(env: Pick<ObjectBindings, 'REALTIME'>, orgId: string) {
  return env.REALTIME.get(env.REALTIME.idFromName(orgId));
}
