// A bare route: no database, no auth. Liveness probes use it, and the benchmark measures the API against it.
import { createRoute, z } from '@hono/zod-openapi';
import { defineRoute } from '../define-route.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/health',
  tags: ['meta'],
  summary: 'Liveness check',
  responses: { 200: { description: 'The Worker is up', content: { 'application/json': { schema: z.object({ ok: z.literal(true) }) } } } },
});

export const health = defineRoute(route, (c) => c.json({ ok: true as const }, 200));
