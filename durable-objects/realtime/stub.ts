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

export function realtimeFor(env: Pick<ObjectBindings, 'REALTIME'>, orgId: string) {
  return env.REALTIME.get(env.REALTIME.idFromName(orgId));
}
