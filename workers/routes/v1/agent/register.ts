import { createRoute } from '@hono/zod-openapi';
import { and, eq, gt, isNull } from 'drizzle-orm';
import { db, meta } from '../../../context.ts';
import { regions } from '../../../../drizzle/schema.ts';
import { audit } from '../../../../core/audit.ts';
import { clientIp } from '../../../context.ts';
import { sha256Hex } from '../../../../core/crypto.ts';
import { ApiError, errorResponses } from '../../../../core/errors.ts';
import { AGENT_REGISTER_LIMIT, enforceLimit, recordHit } from '../../../lib/rate-limit.ts';
import { regionKey } from '../../../../core/regions/region-keys.ts';
import { signAgentCredential } from '../../../../core/identity/tokens.ts';
import { agentRegisterSchema, agentRegistrationSchema } from '../../../schemas/agent.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'post',
  path: '/v1/agent/register',
  tags: ['agent'],
  summary: "Exchange a region's registration token for the agent's credential",
  description:
    'The token from POST /v1/regions works once and for 24 hours. The answer holds a credential valid for 1 hour ' +
    "(renew it at POST /v1/agent/token) and the region's key that opens sealed cluster passwords. " +
    'Twenty attempts per client address in 15 minutes, then 429.',
  request: { body: { required: true, content: { 'application/json': { schema: agentRegisterSchema } } } },
  responses: {
    200: { description: 'Registered', content: { 'application/json': { schema: agentRegistrationSchema } } },
    ...errorResponses(400, 401, 429),
  },
});

export const agentRegister = defineRoute(route, async (c) => {
  const body = c.req.valid('json');
  const limitKeys = [`agent-register:ip:${clientIp(c)}`];
  await enforceLimit(c, limitKeys, AGENT_REGISTER_LIMIT);
  await recordHit(c, limitKeys);

  const tokenHash = await sha256Hex(body.registration_token);
  const region = await db(c).transaction(async (tx) => {
    // One conditional UPDATE spends the token, so two agents racing with it cannot both register.
    const [claimed] = await tx
      .update(regions)
      .set({
        registrationTokenHash: null,
        registrationExpiresAt: null,
        ...(body.agent_version ? { agentVersion: body.agent_version } : {}),
      })
      .where(and(eq(regions.registrationTokenHash, tokenHash), gt(regions.registrationExpiresAt, new Date()), isNull(regions.revokedAt)))
      .returning();
    if (!claimed) throw new ApiError('unauthorized', 'The registration token is not valid, was already used or has expired');
    await audit(tx, meta(c), {
      orgId: claimed.orgId,
      actorType: 'agent',
      actorId: claimed.id,
      action: 'region.agent_registered',
      targetType: 'region',
      targetId: claimed.id,
      metadata: { agent_version: body.agent_version ?? null },
    });
    return claimed;
  });
  const settings = c.var.settings;
  const { credential, expiresAt } = await signAgentCredential(settings.JWT_PRIVATE_KEY, region.id);
  return c.json(
    {
      region_id: region.id,
      credential,
      expires_at: expiresAt.toISOString(),
      region_key: await regionKey(settings.ENCRYPTION_KEY, region.id),
    },
    200,
  );
});
