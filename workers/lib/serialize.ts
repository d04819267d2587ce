// Catalog rows to API shapes: the one place snake_case field names are produced.
import type { invitations, organizations, projects, regions, users } from '../../drizzle/schema.ts';
import type { Role } from '../../protocol/enums.ts';
import type { Invitation, Membership, Organization } from '../schemas/organizations.ts';
import type { Project } from '../schemas/projects.ts';
import type { Region } from '../schemas/regions.ts';
import type { User } from '../schemas/users.ts';
import type { TokenPair } from '../schemas/auth.ts';
import type { SessionTokens } from '../../core/identity/sessions.ts';
import { installInstructions, type RegionRow, type RegistrationToken } from '../../core/regions/regions.ts';

export function serializeUser(u: typeof users.$inferSelect): User {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    email_verified: u.emailVerifiedAt !== null,
    mfa_enabled: u.mfaEnabled,
    created_at: u.createdAt.toISOString(),
  };
}

export function serializeOrganization(o: typeof organizations.$inferSelect, role?: Role): Organization {
  return {
    id: o.id,
    name: o.name,
    slug: o.slug,
    plan: o.plan,
    created_at: o.createdAt.toISOString(),
    ...(role ? { role } : {}),
  };
}

export function serializeProject(p: typeof projects.$inferSelect): Project {
  return { id: p.id, org_id: p.orgId, name: p.name, created_at: p.createdAt.toISOString(), updated_at: p.updatedAt.toISOString() };
}

export function serializeMembership(
  m: { orgId: string; role: Role; joinedAt: Date },
  u: Pick<typeof users.$inferSelect, 'id' | 'email' | 'name'>,
): Membership {
  return { user: { id: u.id, email: u.email, name: u.name }, org_id: m.orgId, role: m.role, joined_at: m.joinedAt.toISOString() };
}

export function serializeInvitation(i: typeof invitations.$inferSelect): Invitation {
  return {
    id: i.id,
    org_id: i.orgId,
    email: i.email,
    role: i.role,
    expires_at: i.expiresAt.toISOString(),
    accepted_at: i.acceptedAt?.toISOString() ?? null,
    created_at: i.createdAt.toISOString(),
  };
}

export function serializeRegion(r: typeof regions.$inferSelect): Region {
  return {
    id: r.id,
    org_id: r.orgId,
    name: r.name,
    provider: r.provider,
    driver: r.driver,
    visibility: r.visibility,
    status: r.status,
    agent_version: r.agentVersion,
    last_seen_at: r.lastSeenAt?.toISOString() ?? null,
    created_at: r.createdAt.toISOString(),
  };
}

export function tokenPair(tokens: SessionTokens): TokenPair {
  return { access_token: tokens.accessToken, refresh_token: tokens.refreshToken, token_type: 'Bearer', expires_in: tokens.expiresIn };
}

/** What creating a region or issuing it a new token answers: the token, shown this once, and how to use it. */
export function registrationResponse(origin: string, region: RegionRow, registration: RegistrationToken) {
  return {
    region: serializeRegion(region),
    registration_token: registration.token,
    registration_expires_at: registration.expiresAt.toISOString(),
    install: installInstructions(origin, region, registration.token),
  };
}
