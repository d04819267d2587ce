import { createRoute } from '@hono/zod-openapi';
import { query } from '../../../context.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { apiKeyParamsSchema, apiKeyResponseSchema } from '../../../schemas/api-keys.ts';
import { defineRoute } from '../../define-route.ts';
import { requireKeyManagement, serializeApiKey } from './access.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/api-keys/{id}',
  tags: ['api-keys'],
  summary: 'An API key',
  description: 'Its grants, status and last use (time and address, recorded at most once a minute). Never its secret.',
  security: [{ bearer: [] }],
  request: { params: apiKeyParamsSchema },
  responses: {
    200: { description: 'The API key', content: { 'application/json': { schema: apiKeyResponseSchema } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

export const getApiKey = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { id } = c.req.valid('param');
  const { key, creatorEmail } = await requireKeyManagement(query(c), principal, id);
  return c.json({ api_key: serializeApiKey(key, creatorEmail) }, 200);
});
