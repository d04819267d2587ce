// `agent render`: the objects the kubernetes driver would apply for one cluster, as YAML, from a JSON description
// of the cluster: a command's `{cluster_id, generation, spec, password?}`, or a cluster as `GET /v1/clusters/{id}`
// returns it (bare or as `{cluster}`), so an operator can review what a real cluster would get. It needs neither a
// Kubernetes API nor the region key: a sealed password is not opened, and without a clear one the Secret shows a
// placeholder.
import { stringify } from 'yaml';
import { z } from 'zod';
import { clusterSourceSchema, clusterSpecSchema, DEFAULT_BACKUP_SPEC, type ClusterSpec } from '../../../protocol/agent.ts';
import { clusterSchema } from '../../../protocol/resources.ts';
import { renderClusterManifests, type Manifest, type RenderOptions } from './manifests.ts';

export const PASSWORD_PLACEHOLDER = '<generated at apply time>';

export const renderInputSchema = z.strictObject({
  cluster_id: z.string().min(1),
  generation: z.number().int().min(0),
  // Rendering never opens the sealed password, so the spec may come with or without it.
  spec: clusterSpecSchema.extend({ password_sealed: z.string().optional() }),
  password: z.string().min(1).optional(),
});
export type RenderInput = z.infer<typeof renderInputSchema>;

/**
 * A cluster as the API returns it. Only what the manifests depend on is required; the rest of the response (status
 * message, endpoint, timestamps ...) is ignored. `source` is there for branches.
 */
export const apiClusterSchema = clusterSchema
  .pick({ id: true, org_id: true, project_id: true, name: true, engine: true, version: true, tier: true, size: true, instances: true, storage_gb: true, status: true, database: true, username: true, generation: true, settings: true })
  .extend({ source: clusterSourceSchema.nullable().optional() });
export type ApiCluster = z.infer<typeof apiClusterSchema>;

/**
 * The spec the control plane would send for an API cluster (core/clusters/commands.ts builds it from the same row):
 * the desired state read from the status (asleep stays asleep, deleting or deleted is deleted), the backup schedule
 * and retention from its settings.
 */
export function specFromApiCluster(cluster: ApiCluster): Omit<ClusterSpec, 'password_sealed'> {
  const settings = cluster.settings as { backup_schedule?: unknown; backup_retention_days?: unknown };
  const state = cluster.status === 'sleeping' ? 'sleeping' : cluster.status === 'deleting' || cluster.status === 'deleted' ? 'deleted' : 'running';
  return {
    name: cluster.name,
    org_id: cluster.org_id,
    project_id: cluster.project_id,
    engine: cluster.engine,
    version: cluster.version,
    tier: cluster.tier,
    size: cluster.size,
    instances: cluster.instances,
    storage_gb: cluster.storage_gb,
    settings: cluster.settings,
    state,
    database: cluster.database,
    username: cluster.username,
    backups: {
      ...DEFAULT_BACKUP_SPEC,
      ...(typeof settings.backup_schedule === 'string' ? { schedule: settings.backup_schedule } : {}),
      ...(typeof settings.backup_retention_days === 'number' ? { retention_days: settings.backup_retention_days } : {}),
    },
    source: cluster.source ?? null,
    restore: null,
  };
}

export class RenderInputError extends Error {}

export interface RenderResult {
  manifests: Manifest[];
  yaml: string;
  /** Things to tell the person running it (on stderr, so stdout stays pipeable into kubectl). */
  notes: string[];
}

function problems(error: z.ZodError, prefix = ''): string {
  return error.issues.map((issue) => `${prefix}${issue.path.join('.') || '(input)'}: ${issue.message}`).join('\n  ');
}

/** Either input shape; an object with `cluster_id` is a command's, one with `id` (or a `cluster`) the API's. */
export function parseRenderInput(text: string): RenderInput {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new RenderInputError(`input is not JSON: ${(error as Error).message}`);
  }
  const object = json && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>) : null;
  const apiCluster = object && !('cluster_id' in object) ? (object.cluster ?? ('id' in object ? object : null)) : null;
  if (apiCluster !== null) {
    const parsed = apiClusterSchema.safeParse(apiCluster);
    if (!parsed.success) throw new RenderInputError(`input is not a cluster as the API returns it:\n  ${problems(parsed.error, object && 'cluster' in object ? 'cluster.' : '')}`);
    return { cluster_id: parsed.data.id, generation: parsed.data.generation, spec: specFromApiCluster(parsed.data) };
  }
  const parsed = renderInputSchema.safeParse(json);
  if (!parsed.success) throw new RenderInputError(`input is not a cluster to render:\n  ${problems(parsed.error)}`);
  return parsed.data;
}

/**
 * Documents separated by `---`. Written as YAML 1.1 because that is how Kubernetes reads YAML: strings such as
 * "on" and "off" (the hibernation annotation) come out quoted instead of being read back as booleans.
 */
export function manifestsToYaml(manifests: Manifest[]): string {
  return manifests.map((manifest) => stringify(manifest, { version: '1.1' })).join('---\n');
}

export function renderFromText(text: string, options: RenderOptions = {}): RenderResult {
  const input = parseRenderInput(text);
  const notes: string[] = [];
  if (input.password === undefined && input.spec.state !== 'deleted') {
    notes.push(`no "password" given: the Secret shows the placeholder ${JSON.stringify(PASSWORD_PLACEHOLDER)}; the agent uses the password opened from password_sealed at apply time`);
  }
  let manifests: Manifest[];
  try {
    manifests = renderClusterManifests(input.cluster_id, input.generation, { ...input.spec, password_sealed: '' }, input.password ?? PASSWORD_PLACEHOLDER, options);
  } catch (error) {
    throw new RenderInputError((error as Error).message);
  }
  if (manifests.length === 0) notes.push('state is "deleted": nothing to apply (the driver deletes the cluster\'s namespace)');
  if (input.spec.source?.backup_id && manifests.length > 0) {
    notes.push(`recoveryTarget.backupID shows the control plane's backup id ${input.spec.source.backup_id}; the agent puts barman's id in its place (status.backupId of the source's Backup) and the source's image`);
  }
  if (options.backupStore && manifests.length > 0) {
    const { namespace, name } = options.backupStore.credentialsSecret;
    notes.push(`the agent copies the Secret ${namespace}/${name} into the cluster's namespace for the ObjectStore; it is not shown`);
  }
  return { manifests, yaml: manifestsToYaml(manifests), notes };
}
