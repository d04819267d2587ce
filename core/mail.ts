// Outgoing mail is written to mail_outbox inside the transaction that causes it (so a rolled-back signup sends
// nothing), then handed to the mail queue once the response is on its way.
import { mailOutbox } from '../drizzle/schema.ts';
import { seal } from '../protocol/sealing.ts';
import type { Queryable } from './db.ts';
import { newId } from '../protocol/ids.ts';
import type { Settings } from './settings.ts';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export async function writeMail(db: Queryable, settings: Settings, mail: Mail): Promise<string> {
  const id = newId('mail');
  await db.insert(mailOutbox).values({
    id,
    recipient: mail.to,
    subject: mail.subject,
    bodyCiphertext: await seal(settings.ENCRYPTION_KEY, mail.text),
  });
  return id;
}

/** What goes on the mail queue: the outbox row to deliver. */
export interface MailMessage {
  mail_id: string;
}

export function appLink(settings: Settings, path: string, params: Record<string, string>): string {
  const url = new URL(path, settings.APP_URL);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}
