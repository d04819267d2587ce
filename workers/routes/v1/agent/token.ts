import { createRoute } from '@hono/zod-openapi';
import { requireAgentRegion } from '../../../lib/agent-auth.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { signAgentCredential } from '../../../../core/identity/tokens.ts';
import { agentCredentialSchema } from '../../../schemas/agent.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'post',
  path: '/v1/agent/token',
  tags: ['agent'],
  summary: "Renew the agent's credential",
  description: 'Authorization: Bearer <agent credential>, still valid. Refused once the region is deleted.',
  security: [{ agent: [] }],
  responses: {
    200: { description: 'A fresh credential, valid 1 hour', content: { 'application/json': { schema: agentCredentialSchema } } },
    ...errorResponses(401),
  },
});

export const agentToken = defineRoute(route, async (c) => {
  const region = await requireAgentRegion(c);
  const { credential, expiresAt } = await signAgentCredential(c.var.settings.JWT_PRIVATE_KEY, region.id);
  return c.json({ region_id: region.id, credential, expires_at: expiresAt.toISOString() }, 200);
});
