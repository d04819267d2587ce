import { createRoute } from '@hono/zod-openapi';
import { eq, sql } from 'drizzle-orm';
import { db, meta } from '../../../context.ts';
import { users } from '../../../../drizzle/schema.ts';
import { audit } from '../../../../core/audit.ts';
import { consumeAuthToken } from '../../../../core/identity/auth-tokens.ts';
import { ApiError, errorResponses } from '../../../../core/errors.ts';
import { serializeUser } from '../../../lib/serialize.ts';
import { emailVerifiedSchema, verifyEmailSchema } from '../../../schemas/auth.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'post',
  path: '/v1/auth/verify-email',
  tags: ['auth'],
  summary: 'Confirm an email address with the token from the verification mail',
  description: 'Needs no session: the link may be opened in another browser than the one that signed up.',
  request: { body: { required: true, content: { 'application/json': { schema: verifyEmailSchema } } } },
  responses: {
    200: { description: 'The address is verified', content: { 'application/json': { schema: emailVerifiedSchema } } },
    ...errorResponses(400),
  },
});

export const verifyEmail = defineRoute(route, async (c) => {
  const { token } = c.req.valid('json');
  const user = await db(c).transaction(async (tx) => {
    const userId = await consumeAuthToken(tx, token, 'verify_email');
    if (!userId) throw new ApiError('bad_request', 'This verification link is invalid, expired or already used');
    // A second, older link keeps the first verification time.
    const [verified] = await tx
      .update(users)
      .set({ emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, now())`, updatedAt: new Date() })
      .where(eq(users.id, userId))
      .returning();
    await audit(tx, meta(c), { orgId: null, actorId: userId, action: 'user.email_verified', targetType: 'user', targetId: userId });
    return verified!;
  });
  return c.json({ user: serializeUser(user) }, 200);
});
