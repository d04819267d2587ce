import { createRoute } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { db, meta } from '../../../context.ts';
import { regions } from '../../../../drizzle/schema.ts';
import { audit } from '../../../../core/audit.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { newRegistrationToken, requireRegionManagement } from '../../../../core/regions/regions.ts';
import { registrationResponse } from '../../../lib/serialize.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { regionParamsSchema, regionRegistrationSchema } from '../../../schemas/regions.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'post',
  path: '/v1/regions/{id}/registration-token',
  tags: ['regions'],
  summary: 'Issue a new registration token for the region',
  description:
    'Owners and admins. The new token (valid 24 hours, single use) replaces any earlier one, which stops working. ' +
    'Use it to reinstall or move the agent; a running agent keeps its credential.',
  security: [{ bearer: [] }],
  request: { params: regionParamsSchema },
  responses: {
    201: { description: 'The token and how to install the agent with it', content: { 'application/json': { schema: regionRegistrationSchema } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

export const regionRegistrationToken = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { id } = c.req.valid('param');
  const registration = await newRegistrationToken();
  const region = await db(c).transaction(async (tx) => {
    await requireRegionManagement(tx, principal, id, { lock: true });
    const [region] = await tx
      .update(regions)
      .set({ registrationTokenHash: registration.tokenHash, registrationExpiresAt: registration.expiresAt })
      .where(eq(regions.id, id))
      .returning();
    await audit(tx, meta(c), { orgId: region!.orgId, action: 'region.registration_token_created', targetType: 'region', targetId: id });
    return region!;
  });
  return c.json(registrationResponse(new URL(c.req.url).origin, region, registration), 201);
});
