// Where the real CloudNativePG CRDs live: the project's shared folder, beside the repository (as it is both on
// developer machines and in CI), unless OROCHI_K8S_SCHEMAS names another copy. And a validator per CRD for the
// manifest tests, as strict as the API server with field validation.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';

export const K8S_SCHEMA_DIR = process.env.OROCHI_K8S_SCHEMAS ?? resolve(import.meta.dirname, '../../../shared/k8s-schemas');

/** The CRD files of the kinds the kubernetes driver writes. */
export const CRD_FILES = {
  Cluster: 'postgresql.cnpg.io_clusters.yaml',
  Backup: 'postgresql.cnpg.io_backups.yaml',
  ScheduledBackup: 'postgresql.cnpg.io_scheduledbackups.yaml',
  ObjectStore: 'barmancloud.cnpg.io_objectstores.yaml',
} as const;
export type CrdKind = keyof typeof CRD_FILES;

/**
 * A CRD's own schema, made as strict as server-side apply with field validation: an object that lists its properties
 * rejects any other (the API server would prune or refuse them), so a misspelt field fails a test instead of silently
 * vanishing in a real cluster. Objects that say they keep unknown fields are left open.
 */
function strictify(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strictify);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) out[key] = strictify(value);
  if (out.properties && out.additionalProperties === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true) {
    out.additionalProperties = false;
  }
  return out;
}

/** Validates an object against the CRD of `kind`: '' when it passes, else the errors as JSON. */
export function crdValidator(kind: CrdKind): (manifest: unknown) => string {
  const crd = parse(readFileSync(join(K8S_SCHEMA_DIR, CRD_FILES[kind]), 'utf8')) as {
    spec: { versions: Array<{ name: string; storage: boolean; schema: { openAPIV3Schema: Record<string, unknown> } }> };
  };
  const version = crd.spec.versions.find((v) => v.storage);
  if (!version) throw new Error(`the ${kind} CRD has no storage version`);
  // The x-kubernetes-* keywords are the API server's (CEL rules, list types); strict: false makes Ajv ignore them.
  const validate = new Ajv({ strict: false, allErrors: true }).compile(strictify(version.schema.openAPIV3Schema) as object);
  return (manifest) => (validate(manifest) ? '' : JSON.stringify(validate.errors, null, 2));
}
