import { createRoute } from '@hono/zod-openapi';
import { query } from '../../../context.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { findVisibleRegion } from '../../../../core/regions/regions.ts';
import { serializeRegion } from '../../../lib/serialize.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { regionParamsSchema, regionResponseSchema } from '../../../schemas/regions.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/regions/{id}',
  tags: ['regions'],
  summary: 'A region',
  description: "A shared region, or one of an organization the caller belongs to; any other is 404.",
  security: [{ bearer: [] }],
  request: { params: regionParamsSchema },
  responses: {
    200: { description: 'The region', content: { 'application/json': { schema: regionResponseSchema } } },
    ...errorResponses(400, 401, 404),
  },
});

export const getRegion = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { id } = c.req.valid('param');
  const { region } = await findVisibleRegion(query(c), principal, id);
  return c.json({ region: serializeRegion(region) }, 200);
});
