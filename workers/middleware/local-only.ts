// Routes of the local stack only (the dev mailbox, the chaos run's restart hook): in production they answer
// like an unknown route. Runs before request validation, so even a malformed request gets that answer there.
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../context.ts';
import { isLocal } from '../../core/settings.ts';
import { ApiError } from '../../core/errors.ts';

export const localOnly = createMiddleware<AppEnv>(async (c, next) => {
  if (!isLocal(c.var.settings)) throw new ApiError('not_found', `No route for ${c.req.method} ${c.req.path}`);
  await next();
});
