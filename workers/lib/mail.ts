// Outgoing mail is written to mail_outbox inside the transaction that causes it (so a rolled-back signup sends
// nothing), then handed to the mail queue once the response is on its way.
import { mailOutbox } from '../../drizzle/schema.ts';
import type { AppContext } from '../context.ts';
import { seal } from './crypto.ts';
import type { Queryable } from './db.ts';
import { newId } from './ids.ts';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export async function writeMail(db: Queryable, c: AppContext, mail: Mail): Promise<string> {
  const id = newId('mail');
  await db.insert(mailOutbox).values({
    id,
    recipient: mail.to,
    subject: mail.subject,
    bodyCiphertext: await seal(c.var.settings.ENCRYPTION_KEY, mail.text),
  });
  return id;
}

/** Call after the transaction that wrote the mail has committed. */
export function dispatchMail(c: AppContext, mailIds: string[]): void {
  if (mailIds.length === 0) return;
  c.executionCtx.waitUntil(c.env.MAIL_QUEUE.sendBatch(mailIds.map((mail_id) => ({ body: { mail_id } }))));
}

export function appLink(c: AppContext, path: string, params: Record<string, string>): string {
  const url = new URL(path, c.var.settings.APP_URL);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}
