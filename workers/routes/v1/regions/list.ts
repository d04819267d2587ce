import { createRoute } from '@hono/zod-openapi';
import { eq, isNull } from 'drizzle-orm';
import { query } from '../../../context.ts';
import { regions } from '../../../../drizzle/schema.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { targetOrgId } from '../../../../core/identity/rbac.ts';
import { orgPage } from '../../../../core/org-pages.ts';
import { page } from '../../../../core/pagination.ts';
import { serializeRegion } from '../../../lib/serialize.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { regionListQuerySchema, regionListSchema } from '../../../schemas/regions.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/regions',
  tags: ['regions'],
  summary: 'Regions an organization can place clusters in',
  description:
    "The shared regions plus the organization's own (org_id, else the session's organization); newest first. " +
    'Any member may list them. Deleted regions are not listed.',
  security: [{ bearer: [] }],
  request: { query: regionListQuerySchema },
  responses: {
    200: { description: 'A page of regions', content: { 'application/json': { schema: regionListSchema } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

export const listRegions = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const params = c.req.valid('query');
  const found = await orgPage(query(c), principal, {
    table: regions,
    orgColumn: regions.orgId,
    alsoVisible: eq(regions.visibility, 'shared'),
    idColumn: regions.id,
    orgId: targetOrgId(principal, params.org_id),
    permission: 'org:read',
    where: isNull(regions.revokedAt),
    cursor: params.cursor,
    limit: params.limit,
  });
  return c.json(page(found, params.limit, serializeRegion), 200);
});
