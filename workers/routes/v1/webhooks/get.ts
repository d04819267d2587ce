import { createRoute } from '@hono/zod-openapi';
import { query } from '../../../context.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { webhookParamsSchema, webhookResponseSchema } from '../../../schemas/webhooks.ts';
import { defineRoute } from '../../define-route.ts';
import { requireWebhookManagement, serializeWebhook } from './access.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/webhooks/{id}',
  tags: ['webhooks'],
  summary: 'Get a webhook endpoint',
  description: 'Needs `webhooks:manage` (owner, admin). The signing secret is never shown again after creation.',
  security: [{ bearer: [] }],
  request: { params: webhookParamsSchema },
  responses: {
    200: { description: 'The endpoint', content: { 'application/json': { schema: webhookResponseSchema } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

export const getWebhook = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const endpoint = await requireWebhookManagement(query(c), principal, c.req.valid('param').id);
  return c.json({ webhook: serializeWebhook(endpoint) }, 200);
});
