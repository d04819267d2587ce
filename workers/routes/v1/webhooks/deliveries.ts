import { createRoute } from '@hono/zod-openapi';
import { and, desc, eq } from 'drizzle-orm';
import { query } from '../../../context.ts';
import { webhookDeliveries } from '../../../../drizzle/schema.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { DELIVERY_LOG_DAYS } from '../../../../core/webhooks/failures.ts';
import { afterCursor, page } from '../../../../core/pagination.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { listQuerySchema } from '../../../schemas/common.ts';
import { webhookDeliveryListSchema, webhookParamsSchema } from '../../../schemas/webhooks.ts';
import { defineRoute } from '../../define-route.ts';
import { requireWebhookManagement, serializeDelivery } from './access.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/webhooks/{id}/deliveries',
  tags: ['webhooks'],
  summary: "An endpoint's delivery log",
  description:
    'Newest first: each event sent to the endpoint, the body sent, its status, how many attempts it took, and the latest response code and duration. ' +
    `Kept ${DELIVERY_LOG_DAYS} days. Needs \`webhooks:manage\` (owner, admin).`,
  security: [{ bearer: [] }],
  request: { params: webhookParamsSchema, query: listQuerySchema },
  responses: {
    200: { description: 'A page of deliveries', content: { 'application/json': { schema: webhookDeliveryListSchema } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

export const listWebhookDeliveries = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { id } = c.req.valid('param');
  const params = c.req.valid('query');
  await requireWebhookManagement(query(c), principal, id);
  const rows = await query(c)
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.endpointId, id), afterCursor(webhookDeliveries.id, params.cursor)))
    .orderBy(desc(webhookDeliveries.id))
    .limit(params.limit + 1);
  return c.json(page(rows, params.limit, serializeDelivery), 200);
});
