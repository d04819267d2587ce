import { createRoute } from '@hono/zod-openapi';
import { query } from '../../../context.ts';
import { apiKeys } from '../../../../drizzle/schema.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { targetOrgId } from '../../../../core/identity/rbac.ts';
import { orgPage } from '../../../../core/org-pages.ts';
import { page } from '../../../../core/pagination.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { apiKeyListQuerySchema, apiKeyListSchema } from '../../../schemas/api-keys.ts';
import { defineRoute } from '../../define-route.ts';
import { creatorEmails, serializeApiKey } from './access.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/api-keys',
  tags: ['api-keys'],
  summary: "List an organization's API keys",
  description: 'Newest first, revoked and expired keys included (see `status`). Needs `api_keys:manage` (owner, admin). Never shows secrets.',
  security: [{ bearer: [] }],
  request: { query: apiKeyListQuerySchema },
  responses: {
    200: { description: 'A page of API keys', content: { 'application/json': { schema: apiKeyListSchema } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

export const listApiKeys = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const params = c.req.valid('query');
  const found = await orgPage(query(c), principal, {
    table: apiKeys,
    orgColumn: apiKeys.orgId,
    idColumn: apiKeys.id,
    orgId: targetOrgId(principal, params.org_id),
    permission: 'api_keys:manage',
    cursor: params.cursor,
    limit: params.limit,
  });
  const emails = await creatorEmails(query(c), found);
  return c.json(page(found, params.limit, (row) => serializeApiKey(row, emails.get(row.createdBy) ?? null)), 200);
});
