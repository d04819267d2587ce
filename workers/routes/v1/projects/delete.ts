import { createRoute } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { db, meta } from '../../../context.ts';
import { projects } from '../../../../drizzle/schema.ts';
import { audit } from '../../../../core/audit.ts';
import { clearClustersForDeletion } from '../../../../core/clusters/deletion.ts';
import { errorResponses, notFound } from '../../../../core/errors.ts';
import { requireProjectAccess } from '../../../../core/identity/rbac.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { projectParamsSchema } from '../../../schemas/projects.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'delete',
  path: '/v1/projects/{id}',
  tags: ['projects'],
  summary: 'Delete a project',
  description: 'Refused with 409 while the project still has clusters that are not deleted.',
  security: [{ bearer: [] }],
  request: { params: projectParamsSchema },
  responses: {
    204: { description: 'Deleted' },
    ...errorResponses(400, 401, 403, 404, 409),
  },
});

export const deleteProject = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { id } = c.req.valid('param');
  await db(c).transaction(async (tx) => {
    const { project } = await requireProjectAccess(tx, principal, id, 'projects:delete');
    // FOR UPDATE holds off clusters being created in the project between the check and the delete.
    const [locked] = await tx.select({ id: projects.id }).from(projects).where(eq(projects.id, id)).for('update');
    if (!locked) throw notFound('Project');
    await clearClustersForDeletion(tx, { projectId: id }, 'project');
    await tx.delete(projects).where(eq(projects.id, id));
    await audit(tx, meta(c), { orgId: project.orgId, action: 'project.deleted', targetType: 'project', targetId: id, metadata: { name: project.name } });
  });
  return c.body(null, 204);
});
