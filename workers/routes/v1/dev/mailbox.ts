// The dev mailbox: outgoing mail as the recipient would read it, so local users and the tests can finish
// sign-up and password reset without a mail provider. It does not exist in production.
import { createRoute } from '@hono/zod-openapi';
import { desc, eq } from 'drizzle-orm';
import { createMiddleware } from 'hono/factory';
import type { App } from '../../../app.ts';
import { db, type AppEnv } from '../../../context.ts';
import { mailOutbox } from '../../../../drizzle/schema.ts';
import { isLocal } from '../../../env.ts';
import { unseal } from '../../../lib/crypto.ts';
import { ApiError, errorResponses } from '../../../lib/errors.ts';
import { mailboxQuerySchema, mailboxSchema } from '../../../schemas/dev.ts';

const MAILBOX_LIMIT = 50;

// Runs before request validation, so in production even a malformed query gets the unknown-route answer.
const localOnly = createMiddleware<AppEnv>(async (c, next) => {
  if (!isLocal(c.var.settings)) throw new ApiError('not_found', `No route for ${c.req.method} ${c.req.path}`);
  await next();
});

const route = createRoute({
  method: 'get',
  path: '/v1/dev/mailbox',
  // Left out of the OpenAPI document: production has no such route.
  hide: true,
  middleware: [localOnly],
  request: { query: mailboxQuerySchema },
  responses: {
    200: { description: `The newest ${MAILBOX_LIMIT} mails to the address, newest first`, content: { 'application/json': { schema: mailboxSchema } } },
    ...errorResponses(400, 404),
  },
});

export const registerDevMailbox = (app: App) =>
  app.openapi(route, async (c) => {
    const { to } = c.req.valid('query');
    const rows = await db(c)
      .select()
      .from(mailOutbox)
      .where(eq(mailOutbox.recipient, to))
      .orderBy(desc(mailOutbox.id))
      .limit(MAILBOX_LIMIT);
    const key = c.var.settings.ENCRYPTION_KEY;
    const data = await Promise.all(
      rows.map(async (m) => ({
        id: m.id,
        to: m.recipient,
        subject: m.subject,
        text: await unseal(key, m.bodyCiphertext),
        created_at: m.createdAt.toISOString(),
        sent_at: m.sentAt?.toISOString() ?? null,
      })),
    );
    return c.json({ data }, 200);
  });
