import { createRoute } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { db, meta } from '../../../context.ts';
import { organizations } from '../../../../drizzle/schema.ts';
import { audit } from '../../../../core/audit.ts';
import { clearClustersForDeletion } from '../../../../core/clusters/deletion.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { lockOrganization } from '../../../../core/identity/organizations.ts';
import { requireOrgAccess } from '../../../../core/identity/rbac.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { orgParamsSchema } from '../../../schemas/organizations.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'delete',
  path: '/v1/organizations/{org_id}',
  tags: ['organizations'],
  summary: 'Delete an organization with its projects, members and invitations',
  description: 'Owners only. Refused with 409 while the organization still has clusters that are not deleted.',
  security: [{ bearer: [] }],
  request: { params: orgParamsSchema },
  responses: {
    204: { description: 'Deleted' },
    ...errorResponses(400, 401, 403, 404, 409),
  },
});

export const deleteOrganization = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { org_id } = c.req.valid('param');
  await db(c).transaction(async (tx) => {
    await requireOrgAccess(tx, principal, org_id, 'org:delete');
    // FOR UPDATE holds off clusters being created in the org between the check and the delete.
    const org = await lockOrganization(tx, org_id, 'update');
    await clearClustersForDeletion(tx, { orgId: org_id }, 'organization');
    await tx.delete(organizations).where(eq(organizations.id, org_id));
    await audit(tx, meta(c), {
      orgId: org_id,
      action: 'organization.deleted',
      targetType: 'organization',
      targetId: org_id,
      metadata: { name: org.name, slug: org.slug },
    });
  });
  return c.body(null, 204);
});
