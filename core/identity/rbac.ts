// Who may do what in an organization. Every route that touches an org's resources asks `requireOrgAccess`
// for a permission; not being a member at all answers 404 so an org's existence never leaks.
import { and, eq } from 'drizzle-orm';
import { memberships, organizations, projects } from '../../drizzle/schema.ts';
import { permissions, type Role } from '../../protocol/enums.ts';
import type { Principal } from '../request.ts';
import type { Queryable } from '../db.ts';
import { ApiError, notFound } from '../errors.ts';
import { currentKeyGrant } from './key-grant.ts';

export const PERMISSIONS = permissions;
export type Permission = (typeof PERMISSIONS)[number];

const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  owner: new Set(PERMISSIONS),
  admin: new Set(PERMISSIONS.filter((p) => p !== 'org:delete' && p !== 'billing:write')),
  developer: new Set<Permission>([
    'org:read',
    'members:read',
    'projects:read',
    'projects:write',
    'clusters:read',
    'clusters:write',
    'clusters:reveal_password',
    'clusters:query',
    'backups:read',
    'backups:write',
  ]),
  viewer: new Set<Permission>(['org:read', 'members:read', 'projects:read', 'clusters:read', 'backups:read']),
  billing: new Set<Permission>(['org:read', 'members:read', 'billing:read', 'billing:write']),
};

export function can(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].has(permission);
}

export function permissionsOf(role: Role): ReadonlySet<Permission> {
  return ROLE_PERMISSIONS[role];
}

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value);
}

export interface OrgAccess {
  org: typeof organizations.$inferSelect;
  role: Role;
}

/** Loads the org with the caller's role in it, or throws 404 (not a member) / 403 (role lacks permission). */
export async function requireOrgAccess(db: Queryable, principal: Principal, orgId: string, permission: Permission): Promise<OrgAccess> {
  const [row] = await db
    .select({ org: organizations, role: memberships.role })
    .from(memberships)
    .innerJoin(organizations, eq(organizations.id, memberships.orgId))
    .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, principal.userId)))
    .limit(1);
  if (!row) throw notFound('Organization');
  requireKeyScope('Organization', orgId, null);
  const grant = currentKeyGrant();
  // A project's key reads the org's name and plan, nothing org-wide beyond that (no creating projects, say).
  if (grant?.projectId && permission !== 'org:read') {
    throw new ApiError('forbidden', `This API key is limited to project ${grant.projectId}`);
  }
  requirePermission(row.role, permission);
  return row;
}

export interface ProjectAccess {
  project: typeof projects.$inferSelect;
  role: Role;
}

/** Loads a project with the caller's role in its org; another org's project is 404, like a missing one. */
export async function requireProjectAccess(
  db: Queryable,
  principal: Principal,
  projectId: string,
  permission: Permission,
): Promise<ProjectAccess> {
  const [row] = await db
    .select({ project: projects, role: memberships.role })
    .from(projects)
    .innerJoin(memberships, and(eq(memberships.orgId, projects.orgId), eq(memberships.userId, principal.userId)))
    .where(eq(projects.id, projectId))
    .limit(1);
  if (!row) throw notFound('Project');
  requireKeyScope('Project', row.project.orgId, row.project.id);
  requirePermission(row.role, permission);
  return row;
}

/** The caller's role must allow it, and so must the API key the request is made with, if any. */
export function requirePermission(role: Role, permission: Permission): void {
  if (!can(role, permission)) {
    throw new ApiError('forbidden', `Your role (${role}) may not ${permission.replace(':', ' ')}`);
  }
  if (currentKeyGrant()?.permissions.has(permission) === false) {
    throw new ApiError('forbidden', `This API key may not ${permission.replace(':', ' ')}`);
  }
}

/**
 * An API key sees its own org only (another org's resource is 404, as for a non-member), and a project's key that
 * project's resources only. `projectId` null: a resource of no project (the org itself), which a project's key
 * sees only through `requireOrgAccess`'s own rule.
 */
export function requireKeyScope(what: string, orgId: string | null, projectId: string | null): void {
  const grant = currentKeyGrant();
  if (!grant) return;
  if (grant.orgId !== orgId) throw notFound(what);
  if (grant.projectId && projectId !== null && projectId !== grant.projectId) throw notFound(what);
}

/** The org a request is about: the one it names, else the session's. */
export function targetOrgId(principal: Principal, named: string | undefined): string {
  const orgId = named ?? principal.orgId;
  if (!orgId) throw new ApiError('bad_request', 'Name an organization with org_id');
  return orgId;
}
