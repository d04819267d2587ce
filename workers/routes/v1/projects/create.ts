import { createRoute } from '@hono/zod-openapi';
import { db, meta } from '../../../context.ts';
import { projects } from '../../../../drizzle/schema.ts';
import { audit } from '../../../../core/audit.ts';
import { ApiError, errorResponses } from '../../../../core/errors.ts';
import { newId } from '../../../../protocol/ids.ts';
import { isUniqueViolation, lockOrganization } from '../../../../core/identity/organizations.ts';
import { requireProjectQuota } from '../../../../core/identity/quotas.ts';
import { requireOrgAccess, targetOrgId } from '../../../../core/identity/rbac.ts';
import { serializeProject } from '../../../lib/serialize.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { createProjectSchema, projectResponseSchema } from '../../../schemas/projects.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'post',
  path: '/v1/projects',
  tags: ['projects'],
  summary: 'Create a project',
  description: 'Project names are unique within an organization. Plans limit the number of projects: free 1, pro 5, team 20.',
  security: [{ bearer: [] }],
  request: { body: { required: true, content: { 'application/json': { schema: createProjectSchema } } } },
  responses: {
    201: { description: 'The new project', content: { 'application/json': { schema: projectResponseSchema } } },
    ...errorResponses(400, 401, 403, 404, 409, 422),
  },
});

export const createProject = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const body = c.req.valid('json');
  const orgId = targetOrgId(principal, body.org_id);
  try {
    const project = await db(c).transaction(async (tx) => {
      await requireOrgAccess(tx, principal, orgId, 'projects:write');
      // Locked so two concurrent creates cannot both fit under the quota.
      const org = await lockOrganization(tx, orgId);
      await requireProjectQuota(tx, org);
      const [project] = await tx.insert(projects).values({ id: newId('prj'), orgId, name: body.name }).returning();
      await audit(tx, meta(c), { orgId, action: 'project.created', targetType: 'project', targetId: project!.id, metadata: { name: body.name } });
      return project!;
    });
    return c.json({ project: serializeProject(project) }, 201);
  } catch (error) {
    if (isUniqueViolation(error, 'projects_org_name_key')) throw new ApiError('conflict', `A project named "${body.name}" already exists`);
    throw error;
  }
});
