// The agent's WebSocket. Not an OpenAPI route (a 101 upgrade has no JSON body to describe), but registered
// in the document so the endpoint is visible there.
import type { ApiSubApp } from '../../define-route.ts';
import { requireAgentRegion } from '../../../lib/agent-auth.ts';
import { REGION_ID_HEADER, regionObject } from '../../../../durable-objects/region/stub.ts';
import { ApiError, errorResponses } from '../../../../core/errors.ts';
import { isWebSocketUpgrade } from '../../../../core/websocket.ts';

const PATH = '/v1/agent/connect';

/** Adds the socket route to a sub-app and returns it, so the sub-app's typed routes stay intact. */
export function registerAgentConnect<A extends ApiSubApp>(app: A): A {
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: PATH,
    tags: ['agent'],
    summary: "The agent's WebSocket (Upgrade: websocket)",
    description:
      'Authorization: Bearer <agent credential>. Messages are the agent protocol (protocol/agent.ts). A newer ' +
      'connection of the same region replaces the older one (closed with 4000); a deleted region is closed with 4001.',
    security: [{ agent: [] }],
    responses: {
      101: { description: 'Switching to the WebSocket protocol' },
      ...errorResponses(401),
      426: { description: 'Not a WebSocket upgrade request' },
    },
  });
  app.get(PATH, async (c) => {
    if (!isWebSocketUpgrade(c.req.raw.headers)) {
      throw new ApiError('upgrade_required', 'This endpoint only accepts a WebSocket upgrade', { headers: { Upgrade: 'websocket' } });
    }
    const region = await requireAgentRegion(c);
    // The RegionDO trusts this header: only this route reaches it, and only with the region it verified.
    const headers = new Headers(c.req.raw.headers);
    headers.delete('authorization');
    headers.set(REGION_ID_HEADER, region.id);
    headers.set('x-request-id', c.var.requestId);
    return regionObject(c.env, region.id).fetch(new Request(c.req.url, { method: 'GET', headers }));
  });
  return app;
}
