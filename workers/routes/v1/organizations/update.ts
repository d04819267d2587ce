import { createRoute } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { db, meta } from '../../../context.ts';
import { organizations } from '../../../../drizzle/schema.ts';
import { audit } from '../../../../core/audit.ts';
import { ApiError, errorResponses } from '../../../../core/errors.ts';
import { isUniqueViolation } from '../../../../core/identity/organizations.ts';
import { requireOrgAccess } from '../../../../core/identity/rbac.ts';
import { serializeOrganization } from '../../../lib/serialize.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { orgParamsSchema, organizationResponseSchema, updateOrganizationSchema } from '../../../schemas/organizations.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'patch',
  path: '/v1/organizations/{org_id}',
  tags: ['organizations'],
  summary: 'Rename an organization or change its slug',
  security: [{ bearer: [] }],
  request: {
    params: orgParamsSchema,
    body: { required: true, content: { 'application/json': { schema: updateOrganizationSchema } } },
  },
  responses: {
    200: { description: 'The updated organization', content: { 'application/json': { schema: organizationResponseSchema } } },
    ...errorResponses(400, 401, 403, 404, 409),
  },
});

export const updateOrganization = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { org_id } = c.req.valid('param');
  const body = c.req.valid('json');
  try {
    const { org, role } = await db(c).transaction(async (tx) => {
      const { role } = await requireOrgAccess(tx, principal, org_id, 'org:update');
      const [org] = await tx
        .update(organizations)
        .set({ ...(body.name !== undefined && { name: body.name }), ...(body.slug !== undefined && { slug: body.slug }), updatedAt: new Date() })
        .where(eq(organizations.id, org_id))
        .returning();
      await audit(tx, meta(c), { orgId: org_id, action: 'organization.updated', targetType: 'organization', targetId: org_id, metadata: { changes: body } });
      return { org: org!, role };
    });
    return c.json({ organization: serializeOrganization(org, role) }, 200);
  } catch (error) {
    if (isUniqueViolation(error, 'organizations_slug_key')) throw new ApiError('conflict', `The slug "${body.slug}" is already taken`);
    throw error;
  }
});
