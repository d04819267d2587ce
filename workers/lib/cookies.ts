// The dashboard holds the same tokens as the CLI, in HttpOnly cookies the page's scripts cannot read.
import type { Context } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { ACCESS_TOKEN_TTL_SECONDS, REFRESH_TOKEN_TTL_SECONDS } from '../../core/identity/tokens.ts';

export const ACCESS_COOKIE = 'orochi_access';
export const REFRESH_COOKIE = 'orochi_refresh';
const REFRESH_PATH = '/v1/auth';

export function setSessionCookies(c: Context, tokens: { access_token: string; refresh_token: string }): void {
  setCookie(c, ACCESS_COOKIE, tokens.access_token, {
    httpOnly: true,
    secure: true,
    sameSite: 'Lax',
    path: '/',
    maxAge: ACCESS_TOKEN_TTL_SECONDS,
  });
  // Only the auth routes ever see the refresh token.
  setCookie(c, REFRESH_COOKIE, tokens.refresh_token, {
    httpOnly: true,
    secure: true,
    sameSite: 'Strict',
    path: REFRESH_PATH,
    maxAge: REFRESH_TOKEN_TTL_SECONDS,
  });
}

export function clearSessionCookies(c: Context): void {
  deleteCookie(c, ACCESS_COOKIE, { path: '/', secure: true });
  deleteCookie(c, REFRESH_COOKIE, { path: REFRESH_PATH, secure: true });
}
