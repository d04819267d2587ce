// The object store of the Kubernetes API server STAND-IN: resourceVersions, server-side apply with simplified field
// ownership, the status subresource, cascade deletion and the event history watches are served from.
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import {
  apiVersionOf,
  groupResource,
  unknownMetadataFields,
  validateMetadata,
  type FieldError,
  type Json,
  type JsonObject,
  type ResourceType,
} from './resources.ts';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: EventType;
  object: JsonObject;
  resourceVersion: number;
  resource: ResourceType;
}

export interface StatusCause {
  reason?: string;
  message: string;
  field?: string;
}

/** A failed request, rendered as a Kubernetes `Status` object by the HTTP layer. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: { name?: string; group?: string; kind?: string; causes?: StatusCause[] },
  ) {
    super(message);
  }
}

/** A field path at the stand-in's ownership granularity, e.g. ['spec', 'instances'] or ['metadata', 'labels', 'app']. */
type FieldPath = string[];
const key = (p: FieldPath): string => JSON.stringify(p);
const unkey = (k: string): FieldPath => JSON.parse(k) as FieldPath;

interface Owner {
  manager: string;
  operation: 'Apply' | 'Update';
  subresource: '' | 'status';
  time: string;
  fields: Set<string>;
}

interface Stored {
  type: ResourceType;
  object: JsonObject;
  owners: Map<string, Owner>;
}

const ownerId = (manager: string, operation: string, subresource: string): string => `${manager}\u0000${operation}\u0000${subresource}`;

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function meta(obj: JsonObject): JsonObject {
  if (!isObject(obj.metadata)) obj.metadata = {};
  return obj.metadata as JsonObject;
}

/**
 * The owned field paths of an object: each key under spec/data (and any other top-level section that is an object)
 * and each metadata label/annotation; a top-level scalar (Secret `type`, `immutable`) is one path.
 */
function fieldPaths(obj: JsonObject, type: ResourceType): FieldPath[] {
  const paths: FieldPath[] = [];
  for (const k of type.topLevelKeys) {
    const v = obj[k];
    if (v === undefined) continue;
    if (isObject(v) && Object.keys(v).length > 0) for (const child of Object.keys(v)) paths.push([k, child]);
    else paths.push([k]);
  }
  const m = isObject(obj.metadata) ? obj.metadata : {};
  for (const section of ['labels', 'annotations']) {
    const v = m[section];
    if (isObject(v)) for (const child of Object.keys(v)) paths.push(['metadata', section, child]);
  }
  for (const section of ['finalizers', 'ownerReferences']) if (m[section] !== undefined) paths.push(['metadata', section]);
  return paths;
}

function statusPaths(obj: JsonObject): FieldPath[] {
  const status = obj.status;
  if (!isObject(status)) return status === undefined ? [] : [['status']];
  return Object.keys(status).map((k) => ['status', k]);
}

function getAt(obj: JsonObject, path: FieldPath): Json | undefined {
  let cur: Json | undefined = obj;
  for (const p of path) {
    if (!isObject(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
}

function setAt(obj: JsonObject, path: FieldPath, value: Json): void {
  let cur = obj;
  for (const p of path.slice(0, -1)) {
    if (!isObject(cur[p])) cur[p] = {};
    cur = cur[p] as JsonObject;
  }
  cur[path[path.length - 1] as string] = structuredClone(value);
}

function deleteAt(obj: JsonObject, path: FieldPath): void {
  const parents: Array<[JsonObject, string]> = [];
  let cur = obj;
  for (const p of path.slice(0, -1)) {
    if (!isObject(cur[p])) return;
    parents.push([cur, p]);
    cur = cur[p] as JsonObject;
  }
  delete cur[path[path.length - 1] as string];
  // Drop containers the removal left empty (spec stays: it is a section, not a value).
  for (const [parent, p] of parents.reverse()) {
    const child = parent[p];
    if (isObject(child) && Object.keys(child).length === 0 && !(parent === obj && p === 'spec')) delete parent[p];
    else break;
  }
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: Json | undefined, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const result: JsonObject = isObject(target) ? structuredClone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete result[k];
    else result[k] = mergePatch(result[k], v);
  }
  return result;
}

export interface LabelRequirement {
  key: string;
  op: '=' | '!=' | 'exists' | '!exists';
  value?: string;
}

/** Equality-based label selectors (`a=b`, `a==b`, `a!=b`, `a`, `!a`); set-based ones are rejected with 400. */
export function parseLabelSelector(selector: string | null): LabelRequirement[] {
  if (!selector) return [];
  if (/[()]|\s(in|notin)\s/.test(selector)) {
    throw new ApiError(400, 'BadRequest', `unable to parse requirement: set-based label selectors are not supported by the kube-apiserver stand-in: ${selector}`);
  }
  return selector.split(',').map((part) => {
    const s = part.trim();
    let m = /^([^=!\s]+)\s*!=\s*(\S*)$/.exec(s);
    if (m) return { key: m[1] as string, op: '!=' as const, value: m[2] as string };
    m = /^([^=!\s]+)\s*==?\s*(\S*)$/.exec(s);
    if (m) return { key: m[1] as string, op: '=' as const, value: m[2] as string };
    m = /^(!?)([^=!\s]+)$/.exec(s);
    if (m) return { key: m[2] as string, op: m[1] ? ('!exists' as const) : ('exists' as const) };
    throw new ApiError(400, 'BadRequest', `unable to parse requirement: invalid label selector ${JSON.stringify(s)}`);
  });
}

export function matchesLabels(obj: JsonObject, requirements: LabelRequirement[]): boolean {
  const labels = isObject(obj.metadata) && isObject(obj.metadata.labels) ? obj.metadata.labels : {};
  return requirements.every((r) => {
    const v = labels[r.key];
    switch (r.op) {
      case '=':
        return v === r.value;
      case '!=':
        return v !== r.value;
      case 'exists':
        return v !== undefined;
      case '!exists':
        return v === undefined;
    }
  });
}

export interface WriteOptions {
  fieldManager: string;
  /** 'Strict' rejects unknown fields; 'Warn'/'Ignore' prune them (the real server's default is Warn). */
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
}

export interface WriteResult {
  object: JsonObject;
  created: boolean;
  changed: boolean;
  warnings: string[];
}

export interface StoreOptions {
  historyLimit: number;
}

export class ObjectStore {
  private readonly objects = new Map<string, Stored>();
  private revision = 0;
  /** Events kept for watches; anything at or before `compactedThrough` is gone. */
  private history: StoreEvent[] = [];
  private compactedThrough = 0;
  private readonly listeners = new Set<(event: StoreEvent) => void>();

  constructor(
    readonly types: ResourceType[],
    private readonly options: StoreOptions,
  ) {}

  get resourceVersion(): number {
    return this.revision;
  }

  get oldestAvailable(): number {
    return this.compactedThrough;
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Events after `resourceVersion`, or undefined when some of them were compacted away (410 Gone). */
  eventsSince(resourceVersion: number): StoreEvent[] | undefined {
    if (resourceVersion < this.compactedThrough) return undefined;
    return this.history.filter((e) => e.resourceVersion > resourceVersion);
  }

  compact(): void {
    this.compactedThrough = this.revision;
    this.history = [];
  }

  typeOf(kind: string, apiVersion: string): ResourceType | undefined {
    return this.types.find((t) => t.kind === kind && apiVersionOf(t) === apiVersion);
  }

  private id(type: ResourceType, namespace: string | undefined, name: string): string {
    return `${groupResource(type)}/${type.namespaced ? namespace : ''}/${name}`;
  }

  notFound(type: ResourceType, name: string): ApiError {
    return new ApiError(404, 'NotFound', `${groupResource(type)} "${name}" not found`, { name, group: type.group, kind: type.plural });
  }

  private requireNamespace(type: ResourceType, namespace: string | undefined): void {
    if (!type.namespaced) return;
    const nsType = this.types.find((t) => t.kind === 'Namespace');
    if (!nsType || !namespace || !this.objects.has(this.id(nsType, undefined, namespace))) {
      throw new ApiError(404, 'NotFound', `namespaces "${namespace ?? ''}" not found`, { name: namespace ?? '', kind: 'namespaces' });
    }
  }

  get(type: ResourceType, namespace: string | undefined, name: string): JsonObject {
    const stored = this.objects.get(this.id(type, namespace, name));
    if (!stored) throw this.notFound(type, name);
    return structuredClone(stored.object);
  }

  tryGet(type: ResourceType, namespace: string | undefined, name: string): JsonObject | undefined {
    const stored = this.objects.get(this.id(type, namespace, name));
    return stored ? structuredClone(stored.object) : undefined;
  }

  list(type: ResourceType, namespace: string | undefined, labels: LabelRequirement[] = []): JsonObject[] {
    const out: JsonObject[] = [];
    for (const stored of this.objects.values()) {
      if (stored.type !== type) continue;
      if (namespace !== undefined && meta(stored.object).namespace !== namespace) continue;
      if (!matchesLabels(stored.object, labels)) continue;
      out.push(structuredClone(stored.object));
    }
    return out.sort((a, b) => String(meta(a).name).localeCompare(String(meta(b).name)));
  }

  all(): JsonObject[] {
    return [...this.objects.values()].map((s) => structuredClone(s.object));
  }

  /** Checks the body's identity against the request path and strips what clients may not set. */
  private normalizeBody(type: ResourceType, body: Json, namespace: string | undefined, name: string | undefined): JsonObject {
    if (!isObject(body)) throw new ApiError(400, 'BadRequest', 'the request body must be an object');
    const apiVersion = apiVersionOf(type);
    if (body.apiVersion !== apiVersion || body.kind !== type.kind) {
      throw new ApiError(400, 'BadRequest', `the API version in the data (${String(body.apiVersion)}) and kind (${String(body.kind)}) do not match the request (${apiVersion}, ${type.kind})`);
    }
    const obj = structuredClone(body);
    const m = meta(obj);
    if (name !== undefined && m.name !== undefined && m.name !== name) {
      throw new ApiError(400, 'BadRequest', `the name of the object (${String(m.name)}) does not match the name on the URL (${name})`);
    }
    if (name !== undefined) m.name = name;
    if (type.namespaced) {
      if (m.namespace !== undefined && m.namespace !== namespace) {
        throw new ApiError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
      }
      m.namespace = namespace ?? null;
    } else delete m.namespace;
    // Secret stringData is write-only: the server folds it into data.
    if (type.kind === 'Secret' && isObject(obj.stringData)) {
      const data = isObject(obj.data) ? obj.data : {};
      for (const [k, v] of Object.entries(obj.stringData)) data[k] = Buffer.from(String(v)).toString('base64');
      obj.data = data;
      delete obj.stringData;
    }
    if (type.kind === 'Secret' && isObject(obj.data)) {
      for (const [k, v] of Object.entries(obj.data)) {
        if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) {
          throw new ApiError(400, 'BadRequest', `Secret in version "v1" cannot be handled as a Secret: illegal base64 data at data.${k}`);
        }
      }
    }
    return obj;
  }

  private invalid(type: ResourceType, name: string, errors: FieldError[]): ApiError {
    const causes = errors.map((e) => ({ reason: 'FieldValueInvalid', message: `${e.field}: ${e.message}`, field: e.field }));
    const summary = errors.map((e) => `${e.field}: ${e.message}`).join(', ');
    const what = type.group ? `${type.kind}.${type.group}` : type.kind;
    return new ApiError(422, 'Invalid', `${what} "${name}" is invalid: ${errors.length > 1 ? `[${summary}]` : summary}`, { name, group: type.group, kind: type.kind, causes });
  }

  /** Server-populated fields that are not owned by any manager. */
  private systemFields(type: ResourceType, obj: JsonObject): void {
    if (type.kind === 'Namespace') {
      const m = meta(obj);
      m.labels = { ...(isObject(m.labels) ? m.labels : {}), 'kubernetes.io/metadata.name': m.name ?? '' };
      obj.spec = { ...(isObject(obj.spec) ? obj.spec : {}), finalizers: ['kubernetes'] };
      if (!isObject(obj.status)) obj.status = { phase: 'Active' };
    }
    if (type.kind === 'Secret' && obj.type === undefined) obj.type = 'Opaque';
    type.applyDefaults(obj);
  }

  private validateAll(type: ResourceType, obj: JsonObject): void {
    const name = String(meta(obj).name ?? '');
    const errors = [...validateMetadata(type, meta(obj)), ...type.validate(obj)];
    if (errors.length > 0) throw this.invalid(type, name, errors);
  }

  private handleUnknownFields(type: ResourceType, obj: JsonObject, mode: 'Strict' | 'Warn' | 'Ignore' | 'Apply'): string[] {
    const unknown = [...unknownMetadataFields(meta(obj)), ...type.prune(obj)];
    for (const u of unknown.filter((f) => f.startsWith('metadata.'))) delete meta(obj)[u.slice('metadata.'.length)];
    if (unknown.length === 0) return [];
    if (mode === 'Apply') {
      const gvk = `${type.group}/${type.version}, Kind=${type.kind}`;
      throw new ApiError(400, 'BadRequest', `failed to create typed patch object (${gvk}): ${unknown.map((u) => `.${u}: field not declared in schema`).join(', ')}`);
    }
    if (mode === 'Strict') throw new ApiError(400, 'BadRequest', `strict decoding error: ${unknown.map((u) => `unknown field "${u}"`).join(', ')}`);
    return mode === 'Warn' ? unknown.map((u) => `unknown field "${u}"`) : [];
  }

  private renderManagedFields(stored: Stored): void {
    const entries: Json[] = [];
    for (const owner of stored.owners.values()) {
      if (owner.fields.size === 0) continue;
      const fieldsV1: JsonObject = {};
      for (const k of [...owner.fields].sort()) {
        let cur = fieldsV1;
        for (const seg of unkey(k)) {
          const f = `f:${seg}`;
          if (!isObject(cur[f])) cur[f] = {};
          cur = cur[f] as JsonObject;
        }
      }
      const entry: JsonObject = { manager: owner.manager, operation: owner.operation, apiVersion: apiVersionOf(stored.type), time: owner.time, fieldsType: 'FieldsV1', fieldsV1 };
      if (owner.subresource) entry.subresource = owner.subresource;
      entries.push(entry);
    }
    meta(stored.object).managedFields = entries;
  }

  private commit(stored: Stored, type: EventType, bumpGeneration: boolean): JsonObject {
    this.revision += 1;
    const m = meta(stored.object);
    m.resourceVersion = String(this.revision);
    if (type === 'ADDED') {
      m.uid = randomUUID();
      m.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      if (stored.type.tracksGeneration) m.generation = 1;
    } else if (bumpGeneration && stored.type.tracksGeneration) m.generation = Number(m.generation ?? 0) + 1;
    this.renderManagedFields(stored);
    const id = this.id(stored.type, m.namespace as string | undefined, String(m.name));
    if (type === 'DELETED') this.objects.delete(id);
    else this.objects.set(id, stored);
    this.emit({ type, object: structuredClone(stored.object), resourceVersion: this.revision, resource: stored.type });
    return structuredClone(stored.object);
  }

  private emit(event: StoreEvent): void {
    this.history.push(event);
    while (this.history.length > this.options.historyLimit) {
      const dropped = this.history.shift();
      if (dropped) this.compactedThrough = dropped.resourceVersion;
    }
    for (const listener of [...this.listeners]) listener(event);
  }

  private checkPreconditions(stored: Stored | undefined, applied: JsonObject, type: ResourceType): void {
    const m = meta(applied);
    for (const field of ['resourceVersion', 'uid'] as const) {
      const wanted = m[field];
      if (wanted === undefined || wanted === null || wanted === '') continue;
      const actual = stored ? meta(stored.object)[field] : undefined;
      if (wanted !== actual) {
        const name = String(m.name);
        throw new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${groupResource(type)} "${name}": the object has been modified; please apply your changes to the latest version and try again`, { name, group: type.group, kind: type.plural });
      }
    }
    for (const f of ['resourceVersion', 'uid', 'generation', 'creationTimestamp', 'managedFields', 'selfLink', 'deletionTimestamp']) delete m[f];
  }

  /** POST: create; 409 AlreadyExists when the object exists. */
  create(type: ResourceType, namespace: string | undefined, body: Json, options: WriteOptions): WriteResult {
    const obj = this.normalizeBody(type, body, namespace, undefined);
    const name = meta(obj).name;
    if (typeof name !== 'string' || name === '') throw this.invalid(type, '', [{ field: 'metadata.name', message: 'Required value: name or generateName is required' }]);
    this.requireNamespace(type, namespace);
    if (this.objects.has(this.id(type, namespace, name))) {
      throw new ApiError(409, 'AlreadyExists', `${groupResource(type)} "${name}" already exists`, { name, group: type.group, kind: type.plural });
    }
    const warnings = this.handleUnknownFields(type, obj, options.fieldValidation ?? 'Warn');
    for (const f of ['resourceVersion', 'uid', 'generation', 'creationTimestamp', 'managedFields', 'selfLink', 'deletionTimestamp']) delete meta(obj)[f];
    if (type.hasStatus) delete obj.status;
    const owned = fieldPaths(obj, type);
    this.systemFields(type, obj);
    this.validateAll(type, obj);
    const owners = new Map<string, Owner>();
    owners.set(ownerId(options.fieldManager, 'Update', ''), { manager: options.fieldManager, operation: 'Update', subresource: '', time: now(), fields: new Set(owned.map(key)) });
    return { object: this.commit({ type, object: obj, owners }, 'ADDED', false), created: true, changed: true, warnings };
  }

  /** PATCH application/apply-patch+yaml: server-side apply on the main resource. */
  apply(type: ResourceType, namespace: string | undefined, name: string, body: Json, options: WriteOptions & { force: boolean }): WriteResult {
    const applied = this.normalizeBody(type, body, namespace, name);
    this.handleUnknownFields(type, applied, 'Apply');
    this.requireNamespace(type, namespace);
    const stored = this.objects.get(this.id(type, namespace, name));
    this.checkPreconditions(stored, applied, type);
    if (type.hasStatus) delete applied.status;
    const appliedPaths = fieldPaths(applied, type);
    const me = ownerId(options.fieldManager, 'Apply', '');

    if (!stored) {
      const obj = structuredClone(applied);
      this.systemFields(type, obj);
      this.validateAll(type, obj);
      const owners = new Map<string, Owner>([[me, { manager: options.fieldManager, operation: 'Apply', subresource: '', time: now(), fields: new Set(appliedPaths.map(key)) }]]);
      return { object: this.commit({ type, object: obj, owners }, 'ADDED', false), created: true, changed: true, warnings: [] };
    }

    // Compare against the applied values as the server would store them: schema defaults inside an owned subtree
    // (e.g. spec.storage.resizeInUseVolumes) belong to nobody and must not make a same-value apply conflict.
    const defaulted = structuredClone(applied);
    type.applyDefaults(defaulted);
    const conflicts: Array<{ path: FieldPath; manager: string; id: string }> = [];
    for (const path of appliedPaths) {
      for (const [id, owner] of stored.owners) {
        if (id === me || !owner.fields.has(key(path))) continue;
        if (!isDeepStrictEqual(getAt(stored.object, path), getAt(defaulted, path))) conflicts.push({ path, manager: owner.manager, id });
      }
    }
    if (conflicts.length > 0 && !options.force) {
      const causes = conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with "${c.manager}"`, field: `.${c.path.join('.')}` }));
      const summary = conflicts.map((c) => `conflict with "${c.manager}": .${c.path.join('.')}`).join('\n* ');
      throw new ApiError(409, 'Conflict', `Apply failed with ${conflicts.length} conflict${conflicts.length > 1 ? 's' : ''}: ${conflicts.length > 1 ? `\n* ${summary}` : summary}`, { name, group: type.group, kind: type.plural, causes });
    }

    const owners = new Map<string, Owner>();
    for (const [id, owner] of stored.owners) owners.set(id, { ...owner, fields: new Set(owner.fields) });
    for (const c of conflicts) owners.get(c.id)?.fields.delete(key(c.path));
    const merged = structuredClone(stored.object);
    const previous = owners.get(me)?.fields ?? new Set<string>();
    const appliedKeys = new Set(appliedPaths.map(key));
    for (const k of previous) {
      if (appliedKeys.has(k)) continue;
      const ownedByOthers = [...owners].some(([id, o]) => id !== me && o.fields.has(k));
      if (!ownedByOthers) deleteAt(merged, unkey(k));
    }
    for (const path of appliedPaths) setAt(merged, path, getAt(applied, path) as Json);
    const mine: Owner = { manager: options.fieldManager, operation: 'Apply', subresource: '', time: now(), fields: appliedKeys };
    owners.set(me, mine);
    for (const [id, o] of owners) if (o.fields.size === 0) owners.delete(id);
    this.systemFields(type, merged);
    this.validateAll(type, merged);

    const sameObject = isDeepStrictEqual(withoutBookkeeping(merged), withoutBookkeeping(stored.object));
    const sameOwners = ownershipEqual(owners, stored.owners);
    if (sameObject && sameOwners) return { object: structuredClone(stored.object), created: false, changed: false, warnings: [] };
    const prevOwner = stored.owners.get(me);
    if (sameOwners && prevOwner) mine.time = prevOwner.time;
    const bump = !isDeepStrictEqual(specPart(merged), specPart(stored.object));
    return { object: this.commit({ type, object: merged, owners }, 'MODIFIED', bump), created: false, changed: true, warnings: [] };
  }

  /** PATCH application/merge-patch+json on `/status`: only `.status` changes. */
  patchStatus(type: ResourceType, namespace: string | undefined, name: string, patch: Json, fieldManager: string): WriteResult {
    if (!type.hasStatus) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    this.requireNamespace(type, namespace);
    const stored = this.objects.get(this.id(type, namespace, name));
    if (!stored) throw this.notFound(type, name);
    if (!isObject(patch)) throw new ApiError(400, 'BadRequest', 'the patch must be a JSON object');
    const patched = mergePatch(stored.object, patch) as JsonObject;
    const next = structuredClone(stored.object);
    if (patched.status === undefined) delete next.status;
    else next.status = patched.status;
    const statusOnly: JsonObject = { apiVersion: next.apiVersion ?? null, kind: next.kind ?? null, metadata: { name }, status: next.status ?? null };
    if (next.status === undefined) delete statusOnly.status;
    const unknown = type.prune(statusOnly);
    if (unknown.length > 0) throw new ApiError(400, 'BadRequest', `strict decoding error: ${unknown.map((u) => `unknown field "${u}"`).join(', ')}`);
    this.validateAll(type, next);
    if (isDeepStrictEqual(next, stored.object)) return { object: structuredClone(stored.object), created: false, changed: false, warnings: [] };
    const id = ownerId(fieldManager, 'Update', 'status');
    const owners = new Map<string, Owner>();
    for (const [oid, owner] of stored.owners) owners.set(oid, { ...owner, fields: new Set(owner.fields) });
    const changed = statusPaths(next).filter((p) => !isDeepStrictEqual(getAt(next, p), getAt(stored.object, p)));
    const mine = owners.get(id) ?? { manager: fieldManager, operation: 'Update' as const, subresource: 'status' as const, time: now(), fields: new Set<string>() };
    for (const p of changed) {
      for (const o of owners.values()) o.fields.delete(key(p));
      mine.fields.add(key(p));
    }
    mine.time = now();
    owners.set(id, mine);
    return { object: this.commit({ type, object: next, owners }, 'MODIFIED', false), created: false, changed: true, warnings: [] };
  }

  /** DELETE: namespaces cascade to their objects; objects owned (ownerReferences) by a deleted object go too. */
  delete(type: ResourceType, namespace: string | undefined, name: string): JsonObject {
    const stored = this.objects.get(this.id(type, namespace, name));
    if (!stored) throw this.notFound(type, name);
    if (type.kind === 'Namespace') {
      for (const s of [...this.objects.values()]) {
        if (s.type.namespaced && meta(s.object).namespace === name) this.deleteStored(s);
      }
    }
    return this.deleteStored(stored);
  }

  private deleteStored(stored: Stored): JsonObject {
    const m = meta(stored.object);
    if (!this.objects.has(this.id(stored.type, m.namespace as string | undefined, String(m.name)))) return structuredClone(stored.object);
    const gone = this.commit(stored, 'DELETED', false);
    const uid = meta(gone).uid;
    for (const s of [...this.objects.values()]) {
      const refs = meta(s.object).ownerReferences;
      if (Array.isArray(refs) && refs.some((r) => isObject(r) && r.uid === uid)) this.deleteStored(s);
    }
    return gone;
  }
}

function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

function withoutBookkeeping(obj: JsonObject): JsonObject {
  const copy = structuredClone(obj);
  const m = meta(copy);
  for (const f of ['resourceVersion', 'uid', 'generation', 'creationTimestamp', 'managedFields']) delete m[f];
  return copy;
}

function specPart(obj: JsonObject): JsonObject {
  const copy = structuredClone(obj);
  delete copy.metadata;
  delete copy.status;
  return copy;
}

function ownershipEqual(a: Map<string, Owner>, b: Map<string, Owner>): boolean {
  const norm = (m: Map<string, Owner>) => new Map([...m].filter(([, o]) => o.fields.size > 0).map(([id, o]) => [id, [...o.fields].sort()]));
  return isDeepStrictEqual(norm(a), norm(b));
}
