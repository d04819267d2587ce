// The dev mailbox: outgoing mail as the recipient would read it, so local users and the tests can finish
// sign-up and password reset without a mail provider. It does not exist in production.
import { createRoute } from '@hono/zod-openapi';
import { desc, eq } from 'drizzle-orm';
import { db } from '../../../context.ts';
import { mailOutbox } from '../../../../drizzle/schema.ts';
import { unseal } from '../../../../protocol/sealing.ts';
import { errorResponses } from '../../../../core/errors.ts';
import { localOnly } from '../../../middleware/local-only.ts';
import { mailboxQuerySchema, mailboxSchema } from '../../../schemas/dev.ts';
import { defineRoute } from '../../define-route.ts';

const MAILBOX_LIMIT = 50;

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

export const devMailbox = defineRoute(route, async (c) => {
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
