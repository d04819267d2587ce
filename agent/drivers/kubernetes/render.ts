// `agent render`: the objects the kubernetes driver would apply for one cluster, as YAML, from a JSON description
// of the cluster. It needs neither a Kubernetes API nor the region key: a sealed password is not opened, and
// without a clear one the Secret shows a placeholder.
import { stringify } from 'yaml';
import { z } from 'zod';
import { clusterSpecSchema } from '../../../protocol/agent.ts';
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

export class RenderInputError extends Error {}

export interface RenderResult {
  manifests: Manifest[];
  yaml: string;
  /** Things to tell the person running it (on stderr, so stdout stays pipeable into kubectl). */
  notes: string[];
}

export function parseRenderInput(text: string): RenderInput {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new RenderInputError(`input is not JSON: ${(error as Error).message}`);
  }
  const parsed = renderInputSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(input)'}: ${issue.message}`);
    throw new RenderInputError(`input is not a cluster to render:\n  ${problems.join('\n  ')}`);
  }
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
  return { manifests, yaml: manifestsToYaml(manifests), notes };
}
