import { createRoute } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { db, meta } from '../../../context.ts';
import { users } from '../../../../drizzle/schema.ts';
import { audit } from '../../../../core/audit.ts';
import { clientIp } from '../../../context.ts';
import { issuePasswordReset } from '../../../../core/identity/auth-tokens.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { dispatchMail } from '../../../lib/mail.ts';
import { LOGIN_LIMIT, MAIL_PER_ADDRESS_LIMIT, enforceLimit, recordHit } from '../../../lib/rate-limit.ts';
import { forgotPasswordSchema, okSchema } from '../../../schemas/auth.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'post',
  path: '/v1/auth/forgot-password',
  tags: ['auth'],
  summary: 'Mail a password reset link',
  description:
    'Answers 202 whether or not an account uses the address, so the endpoint cannot tell who has an account. ' +
    'The link works once and expires in 1 hour. Five requests per address in 15 minutes, then 429.',
  request: { body: { required: true, content: { 'application/json': { schema: forgotPasswordSchema } } } },
  responses: {
    202: { description: 'A reset link is on its way if the account exists', content: { 'application/json': { schema: okSchema } } },
    ...errorResponses(400, 429),
  },
});

export const forgotPassword = defineRoute(route, async (c) => {
  const { email } = c.req.valid('json');
  // Counted whether or not the account exists, so the limit cannot reveal it either.
  // Per account, so one inbox cannot be flooded; per address, so one client cannot flood many inboxes.
  const accountKeys = [`forgot:account:${email}`];
  const addressKeys = [`forgot:ip:${clientIp(c)}`];
  await enforceLimit(c, accountKeys, LOGIN_LIMIT);
  await enforceLimit(c, addressKeys, MAIL_PER_ADDRESS_LIMIT);
  await recordHit(c, [...accountKeys, ...addressKeys]);

  const [user] = await db(c).select({ id: users.id, email: users.email }).from(users).where(eq(users.email, email)).limit(1);
  if (user) {
    const mailId = await db(c).transaction(async (tx) => {
      const id = await issuePasswordReset(tx, c.var.settings, user);
      await audit(tx, meta(c), { orgId: null, action: 'user.password_reset_requested', targetType: 'user', targetId: user.id });
      return id;
    });
    dispatchMail(c, [mailId]);
  }
  return c.json({ ok: true as const }, 202);
});
