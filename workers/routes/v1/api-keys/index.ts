// API keys: credentials for programs (core/identity/api-keys.ts), managed by signed-in owners and admins.
import { openApiApp } from '../../define-route.ts';
import { listApiKeys } from './list.ts';
import { createApiKey } from './create.ts';
import { getApiKey } from './get.ts';
import { revokeApiKey } from './revoke.ts';
import { rotateApiKey } from './rotate.ts';

export const apiKeyRoutes = openApiApp()
  .openapi(listApiKeys.route, listApiKeys.handler)
  .openapi(createApiKey.route, createApiKey.handler)
  .openapi(getApiKey.route, getApiKey.handler)
  .openapi(revokeApiKey.route, revokeApiKey.handler)
  .openapi(rotateApiKey.route, rotateApiKey.handler);
