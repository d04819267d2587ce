import { createRoute } from '@hono/zod-openapi';
import { query } from '../../../context.ts';
import { webhookEndpoints } from '../../../../drizzle/schema.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { targetOrgId } from '../../../../core/identity/rbac.ts';
import { orgPage } from '../../../../core/org-pages.ts';
import { page } from '../../../../core/pagination.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { webhookListQuerySchema, webhookListSchema } from '../../../schemas/webhooks.ts';
import { defineRoute } from '../../define-route.ts';
import { serializeWebhook } from './access.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/webhooks',
  tags: ['webhooks'],
  summary: "List an organization's webhook endpoints",
  description: 'Newest first, disabled endpoints included. Needs `webhooks:manage` (owner, admin). Never shows signing secrets.',
  security: [{ bearer: [] }],
  request: { query: webhookListQuerySchema },
  responses: {
    200: { description: 'A page of webhook endpoints', content: { 'application/json': { schema: webhookListSchema } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

export const listWebhooks = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const params = c.req.valid('query');
  const found = await orgPage(query(c), principal, {
    table: webhookEndpoints,
    orgColumn: webhookEndpoints.orgId,
    idColumn: webhookEndpoints.id,
    orgId: targetOrgId(principal, params.org_id),
    permission: 'webhooks:manage',
    cursor: params.cursor,
    limit: params.limit,
  });
  return c.json(page(found, params.limit, serializeWebhook), 200);
});
