// What an API key allows, held for the length of the request it authenticates. Every permission check about the
// caller goes through `requirePermission` (rbac.ts) and every load of an org's resource through an access function
// that knows the resource's org and project, so those two places read the grant here rather than each route
// threading it through: a route written without API keys in mind still cannot exceed a key's grant.
/// <reference path="./async-hooks.d.ts" />
import { AsyncLocalStorage } from 'node:async_hooks';

export interface KeyGrant {
  keyId: string;
  orgId: string;
  /** Set for a project-scoped key: it sees that project's resources only. */
  projectId: string | null;
  permissions: ReadonlySet<string>;
}

const storage = new AsyncLocalStorage<KeyGrant>();

export function runWithKeyGrant<T>(grant: KeyGrant, work: () => T): T {
  return storage.run(grant, work);
}

/** The grant of the API key the current request is made with; null for a signed-in user. */
export function currentKeyGrant(): KeyGrant | null {
  return storage.getStore() ?? null;
}
