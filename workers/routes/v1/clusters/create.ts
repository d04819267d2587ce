import { createRoute } from '@hono/zod-openapi';
import { and, asc, eq, isNull, or } from 'drizzle-orm';
import { db, meta } from '../../../context.ts';
import { clusters, projects, regions } from '../../../../drizzle/schema.ts';
import { audit } from '../../../../core/audit.ts';
import { insertOperation } from '../../../../core/clusters/mutations.ts';
import { dispatchOperation } from '../../../lib/dispatch.ts';
import { serializeCluster, serializeOperation } from '../../../../core/clusters/serialize.ts';
import { randomToken } from '../../../../core/crypto.ts';
import { seal } from '../../../../protocol/sealing.ts';
import { ApiError, errorResponses, notFound } from '../../../../core/errors.ts';
import { newId } from '../../../../protocol/ids.ts';
import { isUniqueViolation, lockOrganization } from '../../../../core/identity/organizations.ts';
import { requireClusterQuota, requireBackupRetention } from '../../../../core/identity/quotas.ts';
import { requireOrgAccess, requireProjectAccess, targetOrgId } from '../../../../core/identity/rbac.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { createClusterSchema, mutationResponseSchema } from '../../../schemas/clusters.ts';
import { defineRoute } from '../../define-route.ts';
import { requireClusterAccess } from '../../../../core/clusters/access.ts';
import { insertBranch } from '../../../../core/clusters/branches.ts';
import { requireHistoryPoint } from '../../../../core/clusters/history-points.ts';

const route = createRoute({
  method: 'post',
  path: '/v1/clusters',
  tags: ['clusters'],
  summary: 'Create a cluster, or a branch of one',
  description:
    'Answers 202 at once; follow the operation (GET /v1/operations/{id}) or subscribe to cluster:{id} on /v1/realtime. ' +
    "With `source` the cluster is a branch: made in the source's region from the source's history at a backup, a time in " +
    'its restore window, or (neither) its newest point; its own data from then on, with its own credentials.',
  security: [{ bearer: [] }],
  request: { body: { required: true, content: { 'application/json': { schema: createClusterSchema } } } },
  responses: {
    202: { description: 'Accepted: the cluster is provisioning', content: { 'application/json': { schema: mutationResponseSchema } } },
    ...errorResponses(400, 401, 403, 404, 409, 422),
  },
});

export const createCluster = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const body = c.req.valid('json');
  if (body.engine !== 'postgres') {
    throw new ApiError('validation_failed', 'Only the postgres engine is available so far', {
      details: [{ path: 'engine', message: 'nats clusters are not available yet' }],
    });
  }
  // Generated passwords: 32 URL-safe characters (192 bits), so they drop into connection strings as they are.
  const password = body.password ?? randomToken().slice(0, 32);
  const passwordCiphertext = await seal(c.var.settings.ENCRYPTION_KEY, password);
  try {
    const { cluster, operation } = await db(c).transaction(async (tx) => {
      let orgId: string;
      let projectId: string;
      if (body.project_id) {
        const { project } = await requireProjectAccess(tx, principal, body.project_id, 'clusters:write');
        orgId = project.orgId;
        projectId = project.id;
      } else {
        orgId = targetOrgId(principal, undefined);
        await requireOrgAccess(tx, principal, orgId, 'clusters:write');
        const [first] = await tx.select().from(projects).where(eq(projects.orgId, orgId)).orderBy(asc(projects.id)).limit(1);
        if (!first) throw new ApiError('bad_request', 'The organization has no project; create one first');
        projectId = first.id;
      }
      // With the org locked, two creates cannot both squeeze under the plan's cluster limit.
      const org = await lockOrganization(tx, orgId);
      await requireClusterQuota(tx, org);
      requireBackupRetention(org, body.settings?.backup_retention_days);
      if (body.source) {
        const { cluster: source } = await requireClusterAccess(tx, principal, body.source.cluster_id, 'backups:read', { includeDeleted: true });
        if (source.orgId !== orgId) throw notFound('Cluster');
        if (body.region_id !== undefined && body.region_id !== source.regionId) {
          throw new ApiError('validation_failed', "A branch is made in its source's region", {
            details: [{ path: 'region_id', message: `the source is in region ${source.regionId}; leave region_id out or give that one` }],
          });
        }
        const point = { backup_id: body.source.backup_id ?? null, target_time: body.source.target_time ?? null };
        await requireHistoryPoint(tx, source, point);
        return insertBranch(tx, meta(c), {
          source,
          point,
          name: body.name,
          projectId,
          passwordCiphertext,
          size: body.size,
          settings: body.settings ?? (source.settings as Record<string, unknown>),
          reason: 'branch',
        });
      }
      if (body.region_id === undefined) throw new ApiError('validation_failed', 'region_id is required', { details: [{ path: 'region_id', message: 'required' }] });
      const [region] = await tx
        .select()
        .from(regions)
        .where(
          and(
            eq(regions.id, body.region_id),
            isNull(regions.revokedAt),
            or(eq(regions.visibility, 'shared'), eq(regions.orgId, orgId)),
          ),
        );
      if (!region) throw notFound('Region');
      const [row] = await tx
        .insert(clusters)
        .values({
          id: newId('cl'),
          orgId,
          projectId,
          regionId: region.id,
          name: body.name,
          engine: body.engine,
          version: body.version,
          tier: body.tier,
          size: body.size,
          instances: body.instances,
          storageGb: body.storage_gb,
          settings: body.settings ?? {},
          status: 'provisioning',
          desiredState: 'running',
          generation: 1,
          passwordCiphertext,
        })
        .returning();
      const op = await insertOperation(tx, row!, 'create');
      await audit(tx, meta(c), { orgId, action: 'cluster.create', targetType: 'cluster', targetId: row!.id, metadata: { name: body.name, region_id: region.id, size: body.size } });
      return { cluster: row!, operation: op };
    });
    await dispatchOperation(c, cluster, operation);
    return c.json({ cluster: serializeCluster(cluster), operation: serializeOperation(operation) }, 202);
  } catch (error) {
    if (isUniqueViolation(error, 'clusters_project_name_key')) {
      throw new ApiError('conflict', `A cluster named ${body.name} already exists in this project`);
    }
    throw error;
  }
});
