// What the domain services know of the request they act for, and of who makes it. The Worker builds it from its
// own context (workers/context.ts, `meta(c)`); core never sees HTTP.
import type { Settings } from './settings.ts';

/** The signed-in caller of a request, or a program with an API key acting within its creator's membership. */
export interface Principal {
  /** For an API key, its creator: the key never holds more than the creator's current role allows. */
  userId: string;
  /** The organization the session was opened for; routes fall back to it when none is named. */
  orgId: string | null;
  /** The session (its id is the refresh-token family), whose revocation ends the access token; for an API key, the key's id. */
  sessionId: string;
  via: 'bearer' | 'cookie' | 'api_key';
  /** Set when the request is made with an API key: the actor of its audit entries. */
  apiKeyId?: string;
}

export interface RequestMeta {
  settings: Settings;
  requestId: string;
  /** The client's address as the edge saw it. */
  ip: string;
  userAgent: string | null;
  /** The signed-in user, if any: the default actor of audit entries. */
  userId: string | null;
  /** The API key the request is made with, if any: then the actor of audit entries instead of the user. */
  apiKeyId?: string | null;
}
