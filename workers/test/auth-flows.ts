// The out-of-band steps of auth flows as a client meets them: mail read from the dev mailbox, tokens taken
// from its links, and cookies read from Set-Cookie.
import { call } from './harness.ts';

export interface DevMail {
  id: string;
  to: string;
  subject: string;
  text: string;
  created_at: string;
  sent_at: string | null;
}

/** Mail to the address, newest first. */
export async function mailbox(to: string): Promise<DevMail[]> {
  const res = await call<{ data: DevMail[] }>('GET', `/v1/dev/mailbox?to=${encodeURIComponent(to)}`);
  if (res.status !== 200) throw new Error(`mailbox failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data;
}

/** The token of the first link to `path` (`/reset-password`, `/verify-email`) in a mail. */
export function linkToken(mail: DevMail, path: string): string {
  const link = mail.text.match(/https?:\/\/\S+/g)?.map((l) => new URL(l)).find((u) => u.pathname === path);
  const token = link?.searchParams.get('token');
  if (!token) throw new Error(`no ${path} link in mail "${mail.subject}"`);
  return token;
}

/** The newest mail to the address with a link to `path`, and its token. */
export async function latestLinkToken(to: string, path: string): Promise<string> {
  const mail = (await mailbox(to)).find((m) => m.text.includes(path));
  if (!mail) throw new Error(`no mail to ${to} with a ${path} link`);
  return linkToken(mail, path);
}

/** The Set-Cookie line for a cookie, or undefined. */
export function setCookieLine(res: { headers: Headers }, name: string): string | undefined {
  return res.headers.getSetCookie().find((line) => line.startsWith(`${name}=`));
}

/** A cookie's value as set by the response. */
export function cookieValue(res: { headers: Headers }, name: string): string | undefined {
  const line = setCookieLine(res, name);
  return line === undefined ? undefined : decodeURIComponent(line.slice(name.length + 1).split(';')[0]!);
}
