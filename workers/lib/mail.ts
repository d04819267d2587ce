// Mail written to the outbox in a transaction (core/mail.ts) goes on the mail queue once that has committed.
import type { AppContext } from '../context.ts';

export function dispatchMail(c: AppContext, mailIds: string[]): void {
  if (mailIds.length === 0) return;
  c.executionCtx.waitUntil(c.env.MAIL_QUEUE.sendBatch(mailIds.map((mail_id) => ({ body: { mail_id } }))));
}
