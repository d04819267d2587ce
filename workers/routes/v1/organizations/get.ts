import { createRoute } from '@hono/zod-openapi';
import { query } from '../../../context.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { requireOrgAccess } from '../../../../core/identity/rbac.ts';
import { serializeOrganization } from '../../../lib/serialize.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { orgParamsSchema, organizationResponseSchema } from '../../../schemas/organizations.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/organizations/{org_id}',
  tags: ['organizations'],
  summary: "An organization, with the caller's role in it",
  security: [{ bearer: [] }],
  request: { params: orgParamsSchema },
  responses: {
    200: { description: 'The organization', content: { 'application/json': { schema: organizationResponseSchema } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

export const getOrganization = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { org_id } = c.req.valid('param');
  const { org, role } = await requireOrgAccess(query(c), principal, org_id, 'org:read');
  return c.json({ organization: serializeOrganization(org, role) }, 200);
});
