import { createRoute } from '@hono/zod-openapi';
import { db, meta } from '../../../context.ts';
import { beginOperation } from '../../../../core/clusters/mutations.ts';
import { dispatchOperation } from '../../../lib/dispatch.ts';
import { requireClusterAccess } from '../../../../core/clusters/access.ts';
import { serializeCluster, serializeOperation } from '../../../../core/clusters/serialize.ts';
import { randomToken } from '../../../../core/crypto.ts';
import { seal } from '../../../../protocol/sealing.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { requirePermission } from '../../../../core/identity/rbac.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { clusterParamsSchema, rotatePasswordSchema, rotatedPasswordSchema } from '../../../schemas/clusters.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'post',
  path: '/v1/clusters/{id}/password/rotate',
  tags: ['clusters'],
  summary: "Rotate the application role's password",
  description: 'Sets the given password, or generates one; the new password is in the response. The old one stops working when the operation finishes.',
  security: [{ bearer: [] }],
  request: { params: clusterParamsSchema, body: { required: false, content: { 'application/json': { schema: rotatePasswordSchema } } } },
  responses: {
    202: { description: 'Accepted', content: { 'application/json': { schema: rotatedPasswordSchema } } },
    ...errorResponses(400, 401, 403, 404, 409),
  },
});

export const rotatePassword = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { id } = c.req.valid('param');
  const password = c.req.valid('json')?.password ?? randomToken().slice(0, 32);
  const passwordCiphertext = await seal(c.var.settings.ENCRYPTION_KEY, password);
  const { cluster, operation } = await db(c).transaction(async (tx) => {
    const { cluster, role } = await requireClusterAccess(tx, principal, id, 'clusters:write', { lock: true });
    // The response carries the password, so rotating needs the right to see it.
    requirePermission(role, 'clusters:reveal_password');
    return beginOperation(tx, meta(c), cluster, 'rotate_password', { passwordCiphertext });
  });
  await dispatchOperation(c, cluster, operation);
  c.header('Cache-Control', 'no-store');
  return c.json({ cluster: serializeCluster(cluster), operation: serializeOperation(operation), password }, 202);
});
