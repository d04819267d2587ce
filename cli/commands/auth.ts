// orochi auth login|logout: an API key, or a session from email and password whose refresh token is kept so
// that access tokens (15 minutes) are renewed as needed.
import { hc } from 'hono/client';
import type { ApiApp } from '../../workers/routes/index.ts';
import { reachingFetch, sessionFromTokens, unwrap } from '../client.ts';
import { str, type Command } from '../command.ts';
import { credentialsPath, readCredentials, removeCredentials, writeCredentials } from '../credentials.ts';
import { CliError, EXIT, usageError } from '../errors.ts';
import { record } from '../output.ts';

export const authCommands: Command[] = [
  {
    path: ['auth', 'login'],
    summary: 'Sign in with an API key, or with email and password (asked for when not given)',
    options: {
      'api-key': { type: 'string', value: '<key>', description: 'An API key (oro_...) of the organization' },
      email: { type: 'string', value: '<email>', description: 'Your account' },
      password: { type: 'string', value: '<password>', description: 'Its password (better: let it be asked for)' },
    },
    async run(ctx, input) {
      const apiKey = str(input, 'api-key');
      if (apiKey) {
        if (!apiKey.startsWith('oro_')) throw usageError('An API key starts with oro_');
        // A key cannot read the account routes: a cheap read of the organization's clusters proves it works.
        const probe = await reachingFetch(new URL('/v1/clusters?limit=1', ctx.apiUrl), { headers: { authorization: `Bearer ${apiKey}` } });
        if (!probe.ok) throw new CliError(`The API refused the key (HTTP ${probe.status})`, probe.status === 401 ? EXIT.auth : EXIT.api, 'unauthorized', probe.status);
        await writeCredentials({ kind: 'api_key', api_url: ctx.apiUrl, api_key: apiKey }, ctx.env);
        const shown = { api_url: ctx.apiUrl, kind: 'api_key', key_prefix: apiKey.slice(0, 12), credentials: credentialsPath(ctx.env) };
        return record(shown, shown, [
          { header: 'SIGNED IN', value: () => `with API key ${shown.key_prefix}…` },
          { header: 'API', value: (s) => s.api_url },
          { header: 'SAVED TO', value: (s) => s.credentials },
        ]);
      }
      const email = str(input, 'email') ?? (await ctx.prompt('Email: ', false));
      const password = str(input, 'password') ?? (email ? await ctx.prompt('Password: ', true) : null);
      if (!email || !password) throw usageError('Give --api-key, or --email and --password (there is no terminal to ask on)');
      const anonymous = hc<ApiApp>(ctx.apiUrl, { fetch: reachingFetch });
      const session = await unwrap(anonymous.v1.auth.login.$post({ json: { email, password } })).catch((error: unknown) => {
        if (error instanceof CliError && error.status === 401) throw new CliError(error.message, EXIT.auth, error.code, 401);
        throw error;
      });
      const authed = hc<ApiApp>(ctx.apiUrl, { fetch: reachingFetch, headers: { authorization: `Bearer ${session.access_token}` } });
      const me = await unwrap(authed.v1.auth.me.$get());
      const credentials = sessionFromTokens({ api_url: ctx.apiUrl, email: me.user.email, org_id: me.current_org_id }, session);
      await writeCredentials(credentials, ctx.env);
      const shown = { api_url: ctx.apiUrl, kind: 'session', email: me.user.email, org_id: me.current_org_id, credentials: credentialsPath(ctx.env) };
      return record(shown, shown, [
        { header: 'SIGNED IN', value: (s) => s.email },
        { header: 'ORG', value: (s) => s.org_id },
        { header: 'API', value: (s) => s.api_url },
        { header: 'SAVED TO', value: (s) => s.credentials },
      ]);
    },
  },
  {
    path: ['auth', 'logout'],
    summary: 'End the session and forget the stored credentials',
    async run(ctx) {
      const credentials = await readCredentials(ctx.env);
      if (credentials?.kind === 'session') {
        // Ending the session server-side too; a session that already ended is no reason to keep the file.
        await fetch(new URL('/v1/auth/logout', credentials.api_url), {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${credentials.access_token}` },
          body: JSON.stringify({ refresh_token: credentials.refresh_token }),
        }).catch(() => undefined);
      }
      const removed = await removeCredentials(ctx.env);
      const shown = { signed_out: removed };
      return record(shown, shown, [{ header: 'SIGNED OUT', value: () => (removed ? 'yes' : 'no credentials were stored') }]);
    },
  },
];
