// The clients' WebSocket: live cluster statuses, operations, events, metrics and logs of one organization.
// Not an OpenAPI route (a 101 upgrade has no JSON body to describe), but registered in the document so the
// endpoint is visible there. The messages are protocol/realtime.ts; the sockets live in the org's
// RealtimeDO.
import { z } from '@hono/zod-openapi';
import { openApiApp, type ApiSubApp } from '../define-route.ts';
import { query } from '../../context.ts';
import { ApiError, errorResponses, issueDetails } from '../../../core/errors.ts';
import { requireOrgAccess, targetOrgId } from '../../../core/identity/rbac.ts';
import { REALTIME_KEY_HEADER, REALTIME_ORG_HEADER, REALTIME_SESSION_HEADER, REALTIME_USER_HEADER, realtimeFor } from '../../../durable-objects/realtime/stub.ts';
import { idSchema } from '../../schemas/common.ts';
import { isWebSocketUpgrade } from '../../../core/websocket.ts';

const PATH = '/v1/realtime';

const realtimeQuerySchema = z.object({
  org_id: idSchema.optional().openapi({
    param: { name: 'org_id', in: 'query' },
    description: "The organization to follow; defaults to the session's. Required when no credentials come with the upgrade.",
    example: 'org_01jd3k5x8r2m9q7v4w6y0z1a2b',
  }),
});

function registerRealtime<A extends ApiSubApp>(app: A): A {
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: PATH,
    tags: ['realtime'],
    summary: 'Live updates over a WebSocket (Upgrade: websocket)',
    description:
      'With the orochi_access cookie or a Bearer token the socket is ready at once; without, name the org with ' +
      '?org_id= and send {"type":"auth","token":...} within 10 s. Then {"type":"subscribe","channels":' +
      '["org:{org_id}","cluster:{cluster_id}"]}; both channel kinds need clusters:read. Messages: ' +
      'protocol/realtime.ts. Close codes: 4401 unauthenticated, 4403 membership ended, 4409 session ended.',
    security: [{ bearer: [] }, {}],
    request: { query: realtimeQuerySchema },
    responses: {
      101: { description: 'Switching to the WebSocket protocol' },
      ...errorResponses(400, 401, 403, 404, 426),
    },
  });

  app.get(PATH, async (c) => {
    if (!isWebSocketUpgrade(c.req.raw.headers)) {
      throw new ApiError('upgrade_required', 'This endpoint only accepts a WebSocket upgrade', { headers: { Upgrade: 'websocket' } });
    }
    const parsed = realtimeQuerySchema.safeParse(c.req.query());
    if (!parsed.success) {
      throw new ApiError('validation_failed', 'The request is not valid', { details: issueDetails(parsed.error.issues) });
    }
    const named = parsed.data.org_id;
    const principal = c.var.principal;
    // A Bearer header the client chose to send and that fails is an answer, not a reason to fall back to `auth`.
    if (!principal && c.var.authFailure) throw new ApiError('unauthorized', c.var.authFailure);

    let orgId: string;
    let userId: string | null = null;
    let sessionId: string | null = null;
    if (principal) {
      if (principal.via === 'cookie') {
        // Browsers send cookies with a cross-site WebSocket handshake and no CORS check applies to it: without
        // this, any page could open the socket as the signed-in user (cross-site WebSocket hijacking).
        const origin = c.req.header('origin');
        const allowed = [new URL(c.req.url).origin, new URL(c.var.settings.APP_URL).origin];
        if (origin && !allowed.includes(origin)) throw new ApiError('forbidden', 'Cross-origin WebSocket refused');
      }
      orgId = targetOrgId(principal, named);
      await requireOrgAccess(query(c), principal, orgId, 'org:read');
      userId = principal.userId;
      sessionId = principal.sessionId;
    } else {
      if (!named) throw new ApiError('bad_request', 'Name the organization with ?org_id=, or send credentials with the upgrade');
      orgId = named;
    }

    // Headers built from scratch: nothing the client sent (least of all the identity headers) reaches the object.
    const headers = new Headers({ upgrade: 'websocket', [REALTIME_ORG_HEADER]: orgId, 'x-request-id': c.var.requestId });
    if (userId && sessionId) {
      headers.set(REALTIME_USER_HEADER, userId);
      headers.set(REALTIME_SESSION_HEADER, sessionId);
      // A key's socket acts as its creator within the key's grant, checked by the object on every subscribe.
      if (principal?.apiKeyId) headers.set(REALTIME_KEY_HEADER, principal.apiKeyId);
    }
    return realtimeFor(c.env, orgId).fetch(new Request(c.req.url, { method: 'GET', headers }));
  });
  return app;
}

export const realtimeRoutes = registerRealtime(openApiApp());
