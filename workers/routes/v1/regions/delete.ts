import { createRoute } from '@hono/zod-openapi';
import { and, eq, isNull } from 'drizzle-orm';
import { db, meta } from '../../../context.ts';
import { clusters, regions } from '../../../../drizzle/schema.ts';
import { audit } from '../../../../core/audit.ts';
import { ApiError, errorResponses } from '../../../../core/errors.ts';
import { requireRegionManagement } from '../../../../core/regions/regions.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { regionParamsSchema } from '../../../schemas/regions.ts';
import { defineRoute } from '../../define-route.ts';
import { regionObject } from '../../../../durable-objects/region/stub.ts';

const route = createRoute({
  method: 'delete',
  path: '/v1/regions/{id}',
  tags: ['regions'],
  summary: "Delete one of the organization's regions",
  description:
    'Owners and admins. Refused with 409 while the region still has clusters that are not deleted. Its agent is ' +
    'disconnected and can never connect again. Shared regions are managed by the platform operator (403).',
  security: [{ bearer: [] }],
  request: { params: regionParamsSchema },
  responses: {
    204: { description: 'Deleted' },
    ...errorResponses(400, 401, 403, 404, 409),
  },
});

export const deleteRegion = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { id } = c.req.valid('param');
  await db(c).transaction(async (tx) => {
    // FOR UPDATE holds off clusters being created in the region between the check and the revocation.
    const region = await requireRegionManagement(tx, principal, id, { lock: true });
    const live = await tx.$count(clusters, and(eq(clusters.regionId, id), isNull(clusters.deletedAt)));
    if (live > 0) {
      throw new ApiError('conflict', `Delete the ${live} cluster${live === 1 ? '' : 's'} in this region first`, { details: { clusters: live } });
    }
    // Kept as a revoked row: deleted clusters' history still points at it.
    await tx
      .update(regions)
      .set({ revokedAt: new Date(), status: 'offline', registrationTokenHash: null, registrationExpiresAt: null })
      .where(eq(regions.id, id));
    await audit(tx, meta(c), { orgId: region.orgId, action: 'region.deleted', targetType: 'region', targetId: id, metadata: { name: region.name } });
    // Inside the transaction: if the agent cannot be cut off, the region is not deleted and the call can be retried.
    await regionObject(c.env, id).revoke();
  });
  return c.body(null, 204);
});
