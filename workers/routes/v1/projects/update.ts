import { createRoute } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { db, meta } from '../../../context.ts';
import { projects } from '../../../../drizzle/schema.ts';
import { audit } from '../../../../core/audit.ts';
import { ApiError, errorResponses } from '../../../../core/errors.ts';
import { isUniqueViolation } from '../../../../core/identity/organizations.ts';
import { requireProjectAccess } from '../../../../core/identity/rbac.ts';
import { serializeProject } from '../../../lib/serialize.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { projectParamsSchema, projectResponseSchema, updateProjectSchema } from '../../../schemas/projects.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'patch',
  path: '/v1/projects/{id}',
  tags: ['projects'],
  summary: 'Rename a project',
  security: [{ bearer: [] }],
  request: {
    params: projectParamsSchema,
    body: { required: true, content: { 'application/json': { schema: updateProjectSchema } } },
  },
  responses: {
    200: { description: 'The updated project', content: { 'application/json': { schema: projectResponseSchema } } },
    ...errorResponses(400, 401, 403, 404, 409),
  },
});

export const updateProject = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { id } = c.req.valid('param');
  const { name } = c.req.valid('json');
  try {
    const project = await db(c).transaction(async (tx) => {
      const { project: before } = await requireProjectAccess(tx, principal, id, 'projects:write');
      const [project] = await tx.update(projects).set({ name, updatedAt: new Date() }).where(eq(projects.id, id)).returning();
      await audit(tx, meta(c), { orgId: before.orgId, action: 'project.updated', targetType: 'project', targetId: id, metadata: { from: before.name, to: name } });
      return project!;
    });
    return c.json({ project: serializeProject(project) }, 200);
  } catch (error) {
    if (isUniqueViolation(error, 'projects_org_name_key')) throw new ApiError('conflict', `A project named "${name}" already exists`);
    throw error;
  }
});
