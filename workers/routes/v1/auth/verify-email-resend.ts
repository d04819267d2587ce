import { createRoute } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { db, meta } from '../../../context.ts';
import { users } from '../../../../drizzle/schema.ts';
import { audit } from '../../../../core/audit.ts';
import { issueEmailVerification } from '../../../../core/identity/auth-tokens.ts';
import { ApiError, errorResponses, notFound } from '../../../../core/errors.ts';
import { dispatchMail } from '../../../lib/mail.ts';
import { LOGIN_LIMIT, enforceLimit, recordHit } from '../../../lib/rate-limit.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { okSchema } from '../../../schemas/auth.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'post',
  path: '/v1/auth/verify-email/resend',
  tags: ['auth'],
  summary: 'Mail a new verification link to the signed-in user',
  description: 'Five mails per account in 15 minutes, then 429. Earlier links keep working until they expire.',
  security: [{ bearer: [] }],
  responses: {
    202: { description: 'A new link is on its way', content: { 'application/json': { schema: okSchema } } },
    ...errorResponses(401, 403, 409, 429),
  },
});

export const verifyEmailResend = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const limitKeys = [`verify-resend:user:${principal.userId}`];
  await enforceLimit(c, limitKeys, LOGIN_LIMIT);

  const [user] = await db(c).select().from(users).where(eq(users.id, principal.userId)).limit(1);
  if (!user) throw notFound('User');
  if (user.emailVerifiedAt) throw new ApiError('conflict', 'Your email address is already verified');
  await recordHit(c, limitKeys);

  const mailId = await db(c).transaction(async (tx) => {
    const id = await issueEmailVerification(tx, c.var.settings, user);
    await audit(tx, meta(c), { orgId: null, action: 'user.verification_resent', targetType: 'user', targetId: user.id });
    return id;
  });
  dispatchMail(c, [mailId]);
  return c.json({ ok: true as const }, 202);
});
