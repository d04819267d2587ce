import { createRoute } from '@hono/zod-openapi';
import { and, eq, isNull } from 'drizzle-orm';
import { db, meta } from '../../../context.ts';
import { regions } from '../../../../drizzle/schema.ts';
import { audit } from '../../../../core/audit.ts';
import { ApiError, errorResponses } from '../../../../core/errors.ts';
import { newId } from '../../../../protocol/ids.ts';
import { lockOrganization } from '../../../../core/identity/organizations.ts';
import { requireOrgAccess, targetOrgId } from '../../../../core/identity/rbac.ts';
import { newRegistrationToken } from '../../../../core/regions/regions.ts';
import { registrationResponse } from '../../../lib/serialize.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { createRegionSchema, regionRegistrationSchema } from '../../../schemas/regions.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'post',
  path: '/v1/regions',
  tags: ['regions'],
  summary: "Create one of the organization's own regions",
  description:
    'Owners and admins. Returns a one-time registration token (valid 24 hours, shown only here) and the command ' +
    "that installs the region's agent with it. The region stays `pending` until its agent connects.",
  security: [{ bearer: [] }],
  request: { body: { required: true, content: { 'application/json': { schema: createRegionSchema } } } },
  responses: {
    201: { description: 'The new region and how to install its agent', content: { 'application/json': { schema: regionRegistrationSchema } } },
    ...errorResponses(400, 401, 403, 404, 409),
  },
});

export const createRegion = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const body = c.req.valid('json');
  const orgId = targetOrgId(principal, body.org_id);
  const registration = await newRegistrationToken();
  const region = await db(c).transaction(async (tx) => {
    await requireOrgAccess(tx, principal, orgId, 'regions:manage');
    // Locked so two concurrent creates cannot both pass the name check.
    await lockOrganization(tx, orgId);
    const [taken] = await tx
      .select({ id: regions.id })
      .from(regions)
      .where(and(eq(regions.orgId, orgId), eq(regions.name, body.name), isNull(regions.revokedAt)))
      .limit(1);
    if (taken) throw new ApiError('conflict', `A region named "${body.name}" already exists`);
    const [region] = await tx
      .insert(regions)
      .values({
        id: newId('rg'),
        orgId,
        name: body.name,
        provider: body.provider,
        driver: body.driver,
        visibility: 'org',
        registrationTokenHash: registration.tokenHash,
        registrationExpiresAt: registration.expiresAt,
      })
      .returning();
    await audit(tx, meta(c), {
      orgId,
      action: 'region.created',
      targetType: 'region',
      targetId: region!.id,
      metadata: { name: body.name, provider: body.provider, driver: body.driver },
    });
    return region!;
  });
  return c.json(registrationResponse(new URL(c.req.url).origin, region, registration), 201);
});
