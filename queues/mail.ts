// The mail queue: messages name an outbox row; the consumer delivers it and stamps sent_at. Delivery is the
// log transport: the message goes to the Worker's log (in full outside production, where it is how a
// developer completes sign-up; subject and recipient only in production) and to the dev mailbox.
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { mailOutbox } from '../drizzle/schema.ts';
import { isLocal, parseSettings } from '../core/settings.ts';
import type { ObjectBindings } from '../durable-objects/bindings.ts';
import { unseal } from '../protocol/sealing.ts';
import { openDatabase } from '../core/db.ts';
import { log } from '../core/logger.ts';

export const mailMessageSchema = z.object({ mail_id: z.string().min(1) });
export type MailMessage = z.infer<typeof mailMessageSchema>;

export async function consumeMail(batch: MessageBatch<unknown>, env: ObjectBindings): Promise<void> {
  const settings = parseSettings(env);
  const database = openDatabase(settings);
  try {
    for (const message of batch.messages) {
      const parsed = mailMessageSchema.safeParse(message.body);
      if (!parsed.success) {
        log('warn', 'mail message dropped: malformed', { message_id: message.id });
        message.ack();
        continue;
      }
      try {
        const [mail] = await database.db().select().from(mailOutbox).where(eq(mailOutbox.id, parsed.data.mail_id));
        if (!mail || mail.sentAt) {
          message.ack();
          continue;
        }
        const fields: Record<string, unknown> = { mail_id: mail.id, to: mail.recipient, subject: mail.subject };
        if (isLocal(settings)) fields.body = await unseal(settings.ENCRYPTION_KEY, mail.bodyCiphertext);
        log('info', 'mail delivered', fields);
        await database.db().update(mailOutbox).set({ sentAt: new Date() }).where(eq(mailOutbox.id, mail.id));
        message.ack();
      } catch (error) {
        log('error', 'mail delivery failed', { mail_id: parsed.data.mail_id, error: String(error) });
        message.retry({ delaySeconds: Math.min(300, 2 ** message.attempts) });
      }
    }
  } finally {
    await database.close();
  }
}
