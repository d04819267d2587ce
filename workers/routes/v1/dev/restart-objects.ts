// Restarts Durable Objects of the local stack on request, as a crash or a deploy restarts them in production:
// the chaos run (`npm run chaos`) uses it to prove nothing is lost when they are. It does not exist in production.
import { createRoute } from '@hono/zod-openapi';
import { errorResponses } from '../../../../core/errors.ts';
import { log } from '../../../../core/logger.ts';
import { localOnly } from '../../../middleware/local-only.ts';
import { restartedObjectsSchema, restartObjectsSchema } from '../../../schemas/dev.ts';
import { defineRoute } from '../../define-route.ts';
import { clusterObject } from '../../../../durable-objects/cluster/stub.ts';
import { regionObject } from '../../../../durable-objects/region/stub.ts';

const route = createRoute({
  method: 'post',
  path: '/v1/dev/restart-objects',
  // Left out of the OpenAPI document: production has no such route.
  hide: true,
  middleware: [localOnly],
  request: { body: { required: true, content: { 'application/json': { schema: restartObjectsSchema } } } },
  responses: {
    200: { description: 'How many objects were restarted', content: { 'application/json': { schema: restartedObjectsSchema } } },
    ...errorResponses(400, 404),
  },
});

export const devRestartObjects = defineRoute(route, async (c) => {
  const { region_ids, cluster_ids } = c.req.valid('json');
  const stubs = [
    ...region_ids.map((id) => regionObject(c.env, id)),
    ...cluster_ids.map((id) => clusterObject(c.env, id)),
  ];
  // An aborted object rejects the call that aborted it: that rejection is the restart.
  const outcomes = await Promise.allSettled(stubs.map((stub) => stub.restart()));
  const restarted = outcomes.filter((o) => o.status === 'rejected').length;
  log('warn', 'durable objects restarted on request', { regions: region_ids.length, clusters: cluster_ids.length, restarted });
  return c.json({ restarted }, 200);
});
