// What the domain services know of the request they act for, and of who makes it. The Worker builds it from its
// own context (workers/context.ts, `meta(c)`); core never sees HTTP.
import type { Settings } from './settings.ts';

/** The signed-in caller of a request. */
export interface Principal {
  userId: string;
  /** The organization the session was opened for; routes fall back to it when none is named. */
  orgId: string | null;
  /** The session (its id is the refresh-token family), whose revocation ends the access token. */
  sessionId: string;
  via: 'bearer' | 'cookie';
}

export interface RequestMeta {
  settings: Settings;
  requestId: string;
  /** The client's address as the edge saw it. */
  ip: string;
  userAgent: string | null;
  /** The signed-in user, if any: the default actor of audit entries. */
  userId: string | null;
}
