import { createRoute } from '@hono/zod-openapi';
import { db, meta } from '../../../context.ts';
import { audit } from '../../../../core/audit.ts';
import { ApiError, errorResponses } from '../../../../core/errors.ts';
import { createOrganization, isUniqueViolation } from '../../../../core/identity/organizations.ts';
import { serializeOrganization } from '../../../lib/serialize.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { createOrganizationSchema, organizationResponseSchema } from '../../../schemas/organizations.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'post',
  path: '/v1/organizations',
  tags: ['organizations'],
  summary: 'Create an organization, owned by the caller, with a default project',
  security: [{ bearer: [] }],
  request: { body: { required: true, content: { 'application/json': { schema: createOrganizationSchema } } } },
  responses: {
    201: { description: 'The new organization', content: { 'application/json': { schema: organizationResponseSchema } } },
    ...errorResponses(400, 401, 409),
  },
});

export const postOrganization = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const body = c.req.valid('json');
  try {
    const org = await db(c).transaction(async (tx) => {
      const { org, project } = await createOrganization(tx, {
        name: body.name,
        slug: body.slug,
        ownerId: principal.userId,
        plan: c.var.settings.DEFAULT_PLAN,
      });
      await audit(tx, meta(c), {
        orgId: org.id,
        action: 'organization.created',
        targetType: 'organization',
        targetId: org.id,
        metadata: { name: org.name, slug: org.slug, default_project_id: project.id },
      });
      return org;
    });
    return c.json({ organization: serializeOrganization(org, 'owner') }, 201);
  } catch (error) {
    if (isUniqueViolation(error, 'organizations_slug_key')) throw new ApiError('conflict', `The slug "${body.slug}" is already taken`);
    throw error;
  }
});
