import { createRoute } from '@hono/zod-openapi';
import { and, eq } from 'drizzle-orm';
import { db, meta } from '../../../context.ts';
import { apiKeys, projects, users } from '../../../../drizzle/schema.ts';
import { audit } from '../../../../core/audit.ts';
import { ApiError, errorResponses, notFound } from '../../../../core/errors.ts';
import { newId } from '../../../../protocol/ids.ts';
import { displayPrefix, newLookupId, newSecret, roleWithin } from '../../../../core/identity/api-keys.ts';
import { can, requireOrgAccess, targetOrgId } from '../../../../core/identity/rbac.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { apiKeyWithSecretSchema, createApiKeySchema } from '../../../schemas/api-keys.ts';
import { defineRoute } from '../../define-route.ts';
import { serializeApiKey } from './access.ts';

const route = createRoute({
  method: 'post',
  path: '/v1/api-keys',
  tags: ['api-keys'],
  summary: 'Create an API key',
  description:
    'Needs `api_keys:manage` (owner, admin). The key acts with a role (never owner, never above your own) or with an explicit list of ' +
    'permissions you hold, in the organization or in one project of it (a project key sees only that project and cannot create projects). ' +
    'It never holds more than its creator does at the time of each request: a creator who leaves the organization takes the key’s access along. ' +
    'The secret is in this response only; send it as `Authorization: Bearer <secret>`.',
  security: [{ bearer: [] }],
  request: { body: { required: true, content: { 'application/json': { schema: createApiKeySchema } } } },
  responses: {
    201: { description: 'The new key and its secret', content: { 'application/json': { schema: apiKeyWithSecretSchema } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

export const createApiKey = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const body = c.req.valid('json');
  const orgId = targetOrgId(principal, body.org_id);
  const expiresAt = body.expires_at === undefined ? null : new Date(body.expires_at);
  if (expiresAt && expiresAt.getTime() <= Date.now()) {
    throw new ApiError('validation_failed', 'The expiry must be in the future', { details: [{ path: 'expires_at', message: 'must be in the future' }] });
  }
  const lookupId = newLookupId();
  const { secret, hash } = await newSecret(lookupId);
  const { key, creatorEmail } = await db(c).transaction(async (tx) => {
    const { role } = await requireOrgAccess(tx, principal, orgId, 'api_keys:manage');
    if (body.role && !roleWithin(body.role, role)) {
      throw new ApiError('forbidden', body.role === 'owner' ? 'An API key cannot have the owner role' : `A key's role cannot exceed your own (${role})`);
    }
    const beyond = body.permissions?.filter((p) => !can(role, p)) ?? [];
    if (beyond.length > 0) throw new ApiError('forbidden', `Your role (${role}) does not hold ${beyond.join(', ')}`);
    if (body.project_id) {
      const [project] = await tx.select({ id: projects.id }).from(projects).where(and(eq(projects.id, body.project_id), eq(projects.orgId, orgId)));
      if (!project) throw notFound('Project');
    }
    const [key] = await tx
      .insert(apiKeys)
      .values({
        id: newId('key'),
        orgId,
        projectId: body.project_id ?? null,
        name: body.name,
        lookupId,
        secretHash: hash,
        role: body.role ?? null,
        permissions: body.permissions ? [...new Set(body.permissions)] : null,
        createdBy: principal.userId,
        expiresAt,
      })
      .returning();
    await audit(tx, meta(c), {
      orgId,
      action: 'api_key.created',
      targetType: 'api_key',
      targetId: key!.id,
      metadata: { name: body.name, prefix: displayPrefix(lookupId), project_id: body.project_id ?? null, role: body.role ?? null, permissions: body.permissions ?? null },
    });
    const [creator] = await tx.select({ email: users.email }).from(users).where(eq(users.id, principal.userId));
    return { key: key!, creatorEmail: creator?.email ?? null };
  });
  c.header('Cache-Control', 'no-store');
  return c.json({ api_key: serializeApiKey(key, creatorEmail), secret }, 201);
});
