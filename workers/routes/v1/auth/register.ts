import { createRoute } from '@hono/zod-openapi';
import { db, meta } from '../../../context.ts';
import { users } from '../../../../drizzle/schema.ts';
import { audit } from '../../../../core/audit.ts';
import { issueEmailVerification } from '../../../../core/identity/auth-tokens.ts';
import { setSessionCookies } from '../../../lib/cookies.ts';
import { ApiError, errorResponses } from '../../../../core/errors.ts';
import { newId } from '../../../../protocol/ids.ts';
import { dispatchMail } from '../../../lib/mail.ts';
import { createOrganization, isUniqueViolation } from '../../../../core/identity/organizations.ts';
import { hashPassword } from '../../../../core/identity/passwords.ts';
import { serializeOrganization, serializeProject, serializeUser, tokenPair } from '../../../lib/serialize.ts';
import { issueSession } from '../../../../core/identity/sessions.ts';
import { registerSchema, registrationSchema } from '../../../schemas/auth.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'post',
  path: '/v1/auth/register',
  tags: ['auth'],
  summary: 'Create an account, its organization and a default project',
  request: { body: { required: true, content: { 'application/json': { schema: registerSchema } } } },
  responses: {
    201: { description: 'Signed up and signed in', content: { 'application/json': { schema: registrationSchema } } },
    ...errorResponses(400, 409),
  },
});

export const register = defineRoute(route, async (c) => {
  const body = c.req.valid('json');
  const passwordHash = await hashPassword(body.password);
  const userId = newId('usr');
  try {
    const result = await db(c).transaction(async (tx) => {
      const [user] = await tx.insert(users).values({ id: userId, email: body.email, name: body.name ?? null, passwordHash }).returning();
      const { org, project } = await createOrganization(tx, {
        name: body.org_name ?? `${body.name ?? body.email.split('@')[0]}'s organization`,
        ownerId: userId,
        plan: c.var.settings.DEFAULT_PLAN,
      });
      const mailId = await issueEmailVerification(tx, c.var.settings, { id: userId, email: body.email });
      const tokens = tokenPair(await issueSession(tx, meta(c), { userId, orgId: org.id }));
      await audit(tx, meta(c), { orgId: org.id, actorId: userId, action: 'user.registered', targetType: 'user', targetId: userId });
      return { user: user!, org, project, tokens, mailId };
    });
    dispatchMail(c, [result.mailId]);
    setSessionCookies(c, result.tokens);
    return c.json(
      {
        ...result.tokens,
        user: serializeUser(result.user),
        organization: serializeOrganization(result.org, 'owner'),
        project: serializeProject(result.project),
      },
      201,
    );
  } catch (error) {
    if (isUniqueViolation(error, 'users_email_key')) throw new ApiError('conflict', 'An account with this email already exists');
    throw error;
  }
});
