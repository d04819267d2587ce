// The resource types the Kubernetes API server STAND-IN serves, with the validation each one gets on write.
// CNPG Clusters, Backups and ScheduledBackups and barman-cloud ObjectStores are checked against the real CRDs' openAPIV3Schema (shared/k8s-schemas beside the repository), core types with
// kubernetes-models' schemas. See ./index.ts for what the stand-in does and does not implement.
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { Namespace, Secret, Service } from 'kubernetes-models/v1';
import { parse as parseYaml } from 'yaml';
import { K8S_SCHEMA_DIR } from '../k8s-schemas.ts';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface FieldError {
  /** Dotted path, e.g. `spec.instances`. */
  field: string;
  message: string;
}

export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  /** Has a `/status` subresource: writes to the main resource ignore `.status`. */
  hasStatus: boolean;
  /** metadata.generation is bumped when anything outside metadata/status changes. */
  tracksGeneration: boolean;
  /** Name rule: DNS-1123 label (63 chars) or subdomain (253 chars). */
  nameRule: 'label' | 'subdomain';
  /** Top-level keys besides apiVersion/kind/metadata/status that the type has. */
  topLevelKeys: readonly string[];
  /** Validates a complete object (after merging); returns field errors. */
  validate(obj: JsonObject): FieldError[];
  /** Applies schema defaults in place (CRDs only). */
  applyDefaults(obj: JsonObject): void;
  /** Removes fields the schema does not declare, in place; returns their paths. */
  prune(obj: JsonObject): string[];
}

export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

export function groupResource(type: ResourceType): string {
  return type.group ? `${type.plural}.${type.group}` : type.plural;
}

interface ModelClass {
  new (data: never): { validate(): void };
}

function modelValidator(Model: ModelClass): (obj: JsonObject) => FieldError[] {
  return (obj) => {
    try {
      new Model(structuredClone(obj) as never).validate();
      return [];
    } catch (error) {
      const errors = (error as { errors?: ErrorObject[] }).errors;
      if (!Array.isArray(errors)) return [{ field: '', message: String(error) }];
      return errors.map(ajvToFieldError);
    }
  };
}

function ajvToFieldError(e: ErrorObject): FieldError {
  const segments = e.instancePath.split('/').filter(Boolean);
  // kubernetes-models prefixes its paths with "data".
  const field = segments.join('.').replace(/^data\.?/, '');
  const extra = e.keyword === 'enum' ? `: supported values: ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}` : '';
  return { field, message: `${e.message ?? 'is invalid'}${extra}` };
}

function topLevelPrune(keys: readonly string[]): (obj: JsonObject) => string[] {
  return (obj) => {
    const unknown: string[] = [];
    for (const key of Object.keys(obj)) {
      if (['apiVersion', 'kind', 'metadata', 'status'].includes(key) || keys.includes(key)) continue;
      unknown.push(key);
      delete obj[key];
    }
    return unknown;
  };
}

type Schema = { [key: string]: unknown };

/** Structural-schema pruning as the real server does for CRDs: fields not declared in `properties` go. */
function pruneWithSchema(value: Json | undefined, schema: Schema | undefined, path: string, unknown: string[]): void {
  if (!schema || value === null || typeof value !== 'object') return;
  if (schema['x-kubernetes-preserve-unknown-fields'] === true) return;
  if (Array.isArray(value)) {
    const items = schema.items as Schema | undefined;
    value.forEach((item, i) => pruneWithSchema(item, items, `${path}[${i}]`, unknown));
    return;
  }
  const properties = schema.properties as Record<string, Schema> | undefined;
  const additional = schema.additionalProperties;
  for (const key of Object.keys(value)) {
    const child = `${path ? `${path}.` : ''}${key}`;
    if (properties && key in properties) pruneWithSchema(value[key], properties[key], child, unknown);
    else if (additional && typeof additional === 'object') pruneWithSchema(value[key], additional as Schema, child, unknown);
    else if (properties || additional === false) {
      unknown.push(child);
      delete value[key];
    }
  }
}

function crdType(file: string, options: { nameRule: 'label' | 'subdomain' }): ResourceType {
  const crd = parseYaml(readFileSync(file, 'utf8')) as {
    spec: {
      group: string;
      scope: string;
      names: { kind: string; plural: string; singular: string };
      versions: Array<{ name: string; served: boolean; storage: boolean; schema: { openAPIV3Schema: Schema }; subresources?: { status?: object } }>;
    };
  };
  const version = crd.spec.versions.find((v) => v.served && v.storage);
  if (!version) throw new Error(`${file}: no served storage version`);
  const schema = version.schema.openAPIV3Schema;
  const ajv = new Ajv({ strict: false, allErrors: true, useDefaults: true, logger: false });
  for (const format of ['int32', 'int64', 'date-time', 'byte', 'int-or-string', 'quantity', 'duration']) ajv.addFormat(format, true);
  // metadata is validated by the server itself (name rules, labels) rather than the CRD schema.
  const validate: ValidateFunction = ajv.compile({ ...schema, properties: { ...(schema.properties as object), metadata: { type: 'object' } } });
  const run = (obj: JsonObject): FieldError[] => (validate(obj) ? [] : (validate.errors ?? []).map(ajvToFieldError));
  return {
    group: crd.spec.group,
    version: version.name,
    kind: crd.spec.names.kind,
    plural: crd.spec.names.plural,
    singular: crd.spec.names.singular,
    namespaced: crd.spec.scope === 'Namespaced',
    hasStatus: version.subresources?.status !== undefined,
    tracksGeneration: true,
    nameRule: options.nameRule,
    topLevelKeys: Object.keys(schema.properties as object).filter((k) => !['apiVersion', 'kind', 'metadata', 'status'].includes(k)),
    validate: run,
    applyDefaults: (obj) => void run(obj),
    prune: (obj) => {
      const unknown: string[] = [];
      for (const key of Object.keys(obj)) {
        if (key === 'metadata' || key === 'apiVersion' || key === 'kind') continue;
        const props = schema.properties as Record<string, Schema>;
        if (!(key in props)) {
          unknown.push(key);
          delete obj[key];
        } else pruneWithSchema(obj[key], props[key], key, unknown);
      }
      return unknown;
    },
  };
}

function coreType(t: Omit<ResourceType, 'validate' | 'applyDefaults' | 'prune'>, Model: ModelClass): ResourceType {
  return { ...t, validate: modelValidator(Model), applyDefaults: () => {}, prune: topLevelPrune(t.topLevelKeys) };
}

export const DEFAULT_SCHEMA_DIR = K8S_SCHEMA_DIR;

export function loadResourceTypes(schemaDir: string = DEFAULT_SCHEMA_DIR): ResourceType[] {
  return [
    coreType(
      { group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', singular: 'namespace', namespaced: false, hasStatus: true, tracksGeneration: false, nameRule: 'label', topLevelKeys: ['spec'] },
      Namespace as unknown as ModelClass,
    ),
    coreType(
      { group: '', version: 'v1', kind: 'Secret', plural: 'secrets', singular: 'secret', namespaced: true, hasStatus: false, tracksGeneration: false, nameRule: 'subdomain', topLevelKeys: ['data', 'stringData', 'type', 'immutable'] },
      Secret as unknown as ModelClass,
    ),
    coreType(
      { group: '', version: 'v1', kind: 'Service', plural: 'services', singular: 'service', namespaced: true, hasStatus: true, tracksGeneration: false, nameRule: 'label', topLevelKeys: ['spec'] },
      Service as unknown as ModelClass,
    ),
    coreType(
      { group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy', plural: 'networkpolicies', singular: 'networkpolicy', namespaced: true, hasStatus: false, tracksGeneration: true, nameRule: 'subdomain', topLevelKeys: ['spec'] },
      NetworkPolicy as unknown as ModelClass,
    ),
    crdType(`${schemaDir}/postgresql.cnpg.io_clusters.yaml`, { nameRule: 'label' }),
    crdType(`${schemaDir}/postgresql.cnpg.io_backups.yaml`, { nameRule: 'subdomain' }),
    crdType(`${schemaDir}/postgresql.cnpg.io_scheduledbackups.yaml`, { nameRule: 'subdomain' }),
    crdType(`${schemaDir}/barmancloud.cnpg.io_objectstores.yaml`, { nameRule: 'subdomain' }),
  ];
}

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const OBJECT_META_KEYS = new Set([
  'name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp',
  'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields',
]);

export function unknownMetadataFields(metadata: JsonObject): string[] {
  return Object.keys(metadata).filter((k) => !OBJECT_META_KEYS.has(k)).map((k) => `metadata.${k}`);
}

/** The server's own ObjectMeta validation (name, labels, annotations), as apimachinery does it. */
export function validateMetadata(type: ResourceType, metadata: JsonObject): FieldError[] {
  const errors: FieldError[] = [];
  const name = metadata.name;
  if (typeof name !== 'string' || name === '') errors.push({ field: 'metadata.name', message: 'Required value: name or generateName is required' });
  else {
    const [re, max, what] = type.nameRule === 'label' ? [LABEL, 63, 'RFC 1123 label'] : [SUBDOMAIN, 253, 'RFC 1123 subdomain'];
    if (!re.test(name) || name.length > max) errors.push({ field: 'metadata.name', message: `Invalid value: ${JSON.stringify(name)}: a lowercase ${what} must consist of lower case alphanumeric characters or '-'${type.nameRule === 'subdomain' ? " or '.'" : ''}, and must start and end with an alphanumeric character (max ${max})` });
  }
  for (const section of ['labels', 'annotations'] as const) {
    const map = metadata[section];
    if (map === undefined) continue;
    if (map === null || typeof map !== 'object' || Array.isArray(map)) {
      errors.push({ field: `metadata.${section}`, message: 'must be an object of strings' });
      continue;
    }
    for (const [key, value] of Object.entries(map)) {
      const slash = key.lastIndexOf('/');
      const prefix = slash >= 0 ? key.slice(0, slash) : '';
      const local = slash >= 0 ? key.slice(slash + 1) : key;
      if ((slash >= 0 && (!SUBDOMAIN.test(prefix) || prefix.length > 253)) || !QUALIFIED_NAME.test(local) || local.length > 63) {
        errors.push({ field: `metadata.${section}`, message: `Invalid value: ${JSON.stringify(key)}: name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character` });
      }
      if (typeof value !== 'string') errors.push({ field: `metadata.${section}.${key}`, message: 'must be a string' });
      else if (section === 'labels' && (!LABEL_VALUE.test(value) || value.length > 63)) {
        errors.push({ field: `metadata.labels`, message: `Invalid value: ${JSON.stringify(value)}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (max 63)` });
      }
    }
  }
  return errors;
}
