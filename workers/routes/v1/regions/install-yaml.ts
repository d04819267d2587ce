import { createRoute, z } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { db, meta } from '../../../context.ts';
import { regions } from '../../../../drizzle/schema.ts';
import packageJson from '../../../../package.json' with { type: 'json' };
import { audit } from '../../../../core/audit.ts';
import { sha256Hex } from '../../../../core/crypto.ts';
import { ApiError, errorResponses } from '../../../../core/errors.ts';
import {
  IMAGE_REFERENCE,
  IMAGE_REFERENCE_MAX_LENGTH,
  agentInstallManifests,
  defaultAgentImage,
  toYamlStream,
} from '../../../../core/regions/install-manifests.ts';
import { regionParamsSchema } from '../../../schemas/regions.ts';
import { defineRoute } from '../../define-route.ts';

const querySchema = z.object({
  token: z
    .string()
    .min(1)
    .max(256)
    .openapi({ param: { name: 'token', in: 'query' }, description: "The region's current registration token" }),
  image: z
    .string()
    .max(IMAGE_REFERENCE_MAX_LENGTH)
    .regex(IMAGE_REFERENCE, 'an image reference: [registry/]repository[:tag][@digest]')
    .optional()
    .openapi({
      param: { name: 'image', in: 'query' },
      description: `The agent image; defaults to ${defaultAgentImage(packageJson.version)}`,
      example: 'registry.example.com/orochi/agent:0.1.0',
    }),
});

const route = createRoute({
  method: 'get',
  path: '/v1/regions/{id}/install.yaml',
  tags: ['regions'],
  summary: "Kubernetes manifests that install the region's agent",
  description:
    'No user credentials: the registration token is the credential. It must be the current, unexpired, unused ' +
    "token of a live kubernetes region. An unknown region and a bad token get the same 401, so the answer never " +
    'tells whether a region exists; a valid token of a local-driver region gets 409. The manifests hold the token ' +
    'in a Secret, so the answer is `Cache-Control: no-store`. Every download is audited.',
  request: { params: regionParamsSchema, query: querySchema },
  responses: {
    200: {
      description: 'Namespace, RBAC, registration Secret, data volume and Deployment of the agent, as YAML documents',
      content: { 'application/yaml': { schema: z.string() } },
    },
    ...errorResponses(400, 401, 409),
  },
});

export const regionInstallYaml = defineRoute(route, async (c) => {
  const { id } = c.req.valid('param');
  const { token, image } = c.req.valid('query');
  const tokenHash = await sha256Hex(token);
  const region = await db(c).transaction(async (tx) => {
    const [row] = await tx.select().from(regions).where(eq(regions.id, id)).limit(1);
    const valid =
      row &&
      !row.revokedAt &&
      row.registrationTokenHash === tokenHash &&
      row.registrationExpiresAt !== null &&
      row.registrationExpiresAt.getTime() > Date.now();
    if (!valid) {
      throw new ApiError('unauthorized', 'The registration token is not valid for this region, was already used or has expired');
    }
    if (row.driver !== 'kubernetes') {
      throw new ApiError('conflict', 'This region uses the local driver; start its agent with the install command, not Kubernetes manifests');
    }
    await audit(tx, meta(c), {
      orgId: row.orgId,
      actorType: 'agent',
      actorId: row.id,
      action: 'region.install_manifest_downloaded',
      targetType: 'region',
      targetId: row.id,
      metadata: { image: image ?? null },
    });
    return row;
  });
  const yaml = toYamlStream(
    agentInstallManifests({
      url: new URL(c.req.url).origin,
      registrationToken: token,
      image: image ?? defaultAgentImage(packageJson.version),
      regionId: region.id,
    }),
  );
  return c.body(yaml, 200, { 'content-type': 'application/yaml; charset=utf-8', 'cache-control': 'no-store' });
});
