// How a route is written and mounted. A route file defines its OpenAPI route and handler together with
// `defineRoute`; its resource's index.ts chains them into a sub-app (`openApiApp().openapi(x.route, x.handler)`),
// and workers/routes/index.ts mounts the sub-apps. Chaining keeps every route's types, so `typeof routes` is the
// API as Hono's typed client sees it (Hono's grouping-routes-for-RPC pattern).
import { OpenAPIHono, type RouteConfig, type RouteHandler } from '@hono/zod-openapi';
import { ApiError, issueDetails } from '../../core/errors.ts';
import type { AppEnv } from '../context.ts';

/** A sub-app of the API, whatever routes it has defined so far. */
export type ApiSubApp = OpenAPIHono<AppEnv, any, any>;

/** An app whose request validation failures are the API's one error shape (400 validation_failed). */
export function openApiApp() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        throw new ApiError('validation_failed', 'The request is not valid', { details: issueDetails(result.error.issues) });
      }
    },
  });
}

export function defineRoute<R extends RouteConfig>(route: R, handler: RouteHandler<R, AppEnv>) {
  return { route, handler };
}
