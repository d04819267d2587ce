// A STAND-IN for the Kubernetes API server, for tests only: the real kube-apiserver cannot run here. It serves the
// few resources the agent's `kubernetes` driver uses (Namespace, Secret, Service, NetworkPolicy, CloudNativePG
// Cluster, Backup and ScheduledBackup, barman-cloud ObjectStore) over plain HTTP on 127.0.0.1, and is strict where the driver depends on the real server's behaviour:
//
// - Kubernetes REST paths, API discovery (/api, /apis, /api/v1, /apis/{group}/{version}), bearer-token auth (401),
//   errors as `Status` objects (NotFound, AlreadyExists, Conflict, Invalid, BadRequest, MethodNotAllowed, ...).
// - Server-side apply (PATCH application/apply-patch+yaml): fieldManager required, create-if-missing, per-manager
//   field ownership, 409 Conflict listing the conflicting fields unless force=true (which takes them over), fields a
//   manager stops applying are removed, a no-op apply changes nothing (no resourceVersion bump), unknown fields are
//   rejected ("field not declared in schema"), metadata.resourceVersion/uid in the body act as preconditions.
// - POST create (fieldValidation Strict/Warn/Ignore as the real server), GET/list with equality label selectors,
//   DELETE (namespaces cascade to their objects; ownerReferences are garbage-collected at once).
// - The status subresource: writes to the main resource ignore `.status`; JSON merge patch on `/status` changes only
//   status. metadata.resourceVersion (one global counter), uid, creationTimestamp, generation (bumped when anything
//   outside metadata/status changes, for Clusters and NetworkPolicies), managedFields rendered as FieldsV1.
// - Validation: the CRD kinds against their real openAPIV3Schema (with its defaults), core types with kubernetes-models,
//   ObjectMeta rules (DNS-1123 names, label syntax), Secret data must be base64 (stringData is folded into data).
// - Watches (?watch=1): newline-delimited JSON events; no resourceVersion (or "0") starts with synthetic ADDED events;
//   a resourceVersion older than the retained history (last `historyLimit` events) gets one ERROR event with a 410
//   Expired Status and the stream ends. Test hooks: dropWatches(), stallWatches(), compact().
//
// What it does NOT implement (do not rely on it to catch these):
// - Field ownership is tracked per top-level key of spec/data (and each label/annotation), not per leaf: applying
//   `spec.storage` replaces the whole `spec.storage` subtree, and conflicts are detected at that granularity.
// - No admission webhooks (CNPG's validating/defaulting webhooks), no CEL x-kubernetes-validations, no immutable-field
//   checks, no Service defaulting (clusterIP, ports), no unknown-field detection inside core types (top level only).
// - No JSON patch / strategic merge patch / PUT (405/415), no merge patch on main resources, no apply on /status.
// - No set-based label selectors (400), no field selectors other than metadata.name/metadata.namespace, no
//   pagination (limit/continue are ignored: lists are complete), no bookmarks, no DELETED/ADDED events when an object
//   stops/starts matching a watch's label selector, no finalizers or graceful deletion (namespaces go at once), no
//   TLS, no protobuf, no dryRun. RBAC only when a test gives the rules of one ClusterRole (rbac.ts).
// - Pods are not objects here; an instance pod's proxy (CNPG's exporter on 9187) and log, and metrics.k8s.io, are
//   served for the simulated Clusters' real servers (pod-endpoints.ts).
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { CnpgOperatorSimulation, type CnpgOperatorOptions } from './cnpg-operator.ts';
import { METRICS_API_GROUP, podEndpoints } from './pod-endpoints.ts';
import { authorize, requestAttributes, type PolicyRule } from './rbac.ts';
import { apiVersionOf, DEFAULT_SCHEMA_DIR, loadResourceTypes, type Json, type JsonObject, type ResourceType } from './resources.ts';
import { ApiError, matchesLabels, ObjectStore, parseLabelSelector, type StoreEvent } from './store.ts';

export type { Json, JsonObject } from './resources.ts';
export { ApiError } from './store.ts';

/** Who the token stands for when RBAC is checked: the agent's service account, as the install manifests bind it. */
const RBAC_USER = 'system:serviceaccount:orochi-system:orochi-agent';

export interface KubeApiServerStandInOptions {
  /** Watch events retained for resumption; older resourceVersions get 410 Expired. Default 100. */
  historyLimit?: number;
  /** Directory with the CRD YAMLs. Default: shared/k8s-schemas beside the repository. */
  schemaDir?: string;
  /** Bearer token clients must send. Default: random. */
  token?: string;
  /** The simulated CloudNativePG operator's options; `false` runs no operator. */
  operator?: CnpgOperatorOptions | false;
  /** Serve metrics.k8s.io (as with metrics-server installed); false answers 404 there. Default true. */
  metricsApi?: boolean;
  /** The rules of the ClusterRole the token is bound to: requests they do not grant are refused (403). Default: all allowed. */
  rbac?: readonly PolicyRule[];
}

export interface KubeApiServerStandIn {
  url: string;
  token: string;
  /** A kubeconfig YAML pointing at the stand-in (plain HTTP, insecure-skip-tls-verify, bearer token). */
  kubeconfig(): string;
  /** Snapshot of every stored object. */
  objects(): JsonObject[];
  /** Ends every open watch (gracefully, as the server's own timeout does; `abrupt` destroys the sockets instead). */
  dropWatches(options?: { abrupt?: boolean }): void;
  /** Open watches stop receiving events but stay open (a black-holed connection). */
  stallWatches(): void;
  /** Forgets the whole watch history: resuming from any earlier resourceVersion gets 410 Expired. */
  compact(): void;
  /** Number of watch streams currently open. */
  openWatches(): number;
  /** The simulated CloudNativePG operator (undefined when started with `operator: false`). */
  operator: CnpgOperatorSimulation | undefined;
  stop(): Promise<void>;
}

interface OpenWatch {
  res: ServerResponse;
  stalled: boolean;
  close(abrupt: boolean): void;
}

type Route =
  | { kind: 'discovery'; body: JsonObject }
  | { kind: 'resource'; type: ResourceType; namespace: string | undefined; name: string | undefined; subresource: 'status' | undefined };

function statusBody(code: number, reason: string, message: string, details?: object): JsonObject {
  const body: JsonObject = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details) body.details = details as JsonObject;
  return body;
}

function send(res: ServerResponse, code: number, body: Json, warnings: string[] = []): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | string[]> = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) };
  if (warnings.length > 0) headers.warning = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  res.writeHead(code, headers);
  res.end(text);
}

function sendError(res: ServerResponse, error: ApiError): void {
  send(res, error.code, statusBody(error.code, error.reason, error.message, error.details));
}

const VERBS_NAMED = ['create', 'delete', 'get', 'list', 'patch', 'watch'];

function discovery(types: ResourceType[], segments: string[]): JsonObject | undefined {
  const groups = [...new Set(types.filter((t) => t.group).map((t) => t.group))];
  if (segments.length === 1 && segments[0] === 'api') {
    return { kind: 'APIVersions', apiVersion: 'v1', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] };
  }
  if (segments.length === 1 && segments[0] === 'apis') {
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: groups.map((g) => {
        const version = types.find((t) => t.group === g)?.version ?? 'v1';
        const gv = { groupVersion: `${g}/${version}`, version };
        return { name: g, versions: [gv], preferredVersion: gv };
      }),
    };
  }
  const groupVersion = segments[0] === 'api' && segments.length === 2 ? segments[1] : segments[0] === 'apis' && segments.length === 3 ? `${segments[1]}/${segments[2]}` : undefined;
  if (!groupVersion) return undefined;
  const inGroup = types.filter((t) => apiVersionOf(t) === groupVersion);
  if (inGroup.length === 0) return undefined;
  const resources: Json[] = [];
  for (const t of inGroup) {
    resources.push({ name: t.plural, singularName: t.singular, namespaced: t.namespaced, kind: t.kind, verbs: VERBS_NAMED });
    if (t.hasStatus) resources.push({ name: `${t.plural}/status`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: ['get', 'patch'] });
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources };
}

function route(types: ResourceType[], pathname: string): Route | undefined {
  const segments = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const disc = discovery(types, segments);
  if (disc) return { kind: 'discovery', body: disc };
  let apiVersion: string;
  let rest: string[];
  if (segments[0] === 'api' && segments[1] === 'v1') {
    apiVersion = 'v1';
    rest = segments.slice(2);
  } else if (segments[0] === 'apis' && segments.length >= 3) {
    apiVersion = `${segments[1]}/${segments[2]}`;
    rest = segments.slice(3);
  } else return undefined;
  const find = (plural: string | undefined) => types.find((t) => apiVersionOf(t) === apiVersion && t.plural === plural);
  const sub = (s: string | undefined): 'status' | undefined | null => (s === undefined ? undefined : s === 'status' ? 'status' : null);
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const type = find(rest[2]);
    if (type?.namespaced && rest.length <= 5) {
      const subresource = sub(rest[4]);
      if (subresource === null || (subresource && !type.hasStatus)) return undefined;
      return { kind: 'resource', type, namespace: rest[1], name: rest[3], subresource };
    }
  }
  const type = find(rest[0]);
  if (!type || rest.length > 3) return undefined;
  if (type.namespaced && rest.length > 1) return undefined;
  const subresource = sub(rest[2]);
  if (subresource === null || (subresource && !type.hasStatus)) return undefined;
  return { kind: 'resource', type, namespace: undefined, name: rest[1], subresource };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (error) {
    throw new ApiError(400, 'BadRequest', `the body of the request could not be decoded as JSON: ${(error as Error).message}`);
  }
}

function parseFieldSelector(selector: string | null): { name?: string; namespace?: string } {
  const out: { name?: string; namespace?: string } = {};
  if (!selector) return out;
  for (const part of selector.split(',')) {
    const m = /^(metadata\.name|metadata\.namespace)==?(.*)$/.exec(part.trim());
    if (!m) throw new ApiError(400, 'BadRequest', `field label not supported by the kube-apiserver stand-in: ${part}`);
    if (m[1] === 'metadata.name') out.name = m[2];
    else out.namespace = m[2];
  }
  return out;
}

export async function startKubeApiServerStandIn(options: KubeApiServerStandInOptions = {}): Promise<KubeApiServerStandIn> {
  const types = loadResourceTypes(options.schemaDir ?? DEFAULT_SCHEMA_DIR);
  const store = new ObjectStore(types, { historyLimit: options.historyLimit ?? 100 });
  const token = options.token ?? randomBytes(16).toString('hex');
  const watches = new Set<OpenWatch>();
  const pods = podEndpoints({ store, instances: options.operator === false ? undefined : options.operator?.instances, metricsApi: options.metricsApi ?? true });
  const nsType = types.find((t) => t.kind === 'Namespace') as ResourceType;
  for (const name of ['default', 'kube-system']) {
    store.create(nsType, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { fieldManager: 'kube-apiserver' });
  }

  function startWatch(req: IncomingMessage, res: ServerResponse, type: ResourceType, namespace: string | undefined, name: string | undefined, query: URLSearchParams): void {
    const labels = parseLabelSelector(query.get('labelSelector'));
    const fields = parseFieldSelector(query.get('fieldSelector'));
    const wantName = name ?? fields.name;
    const wantNamespace = namespace ?? fields.namespace;
    const rvParam = query.get('resourceVersion');
    const rv = rvParam === null || rvParam === '' ? undefined : Number(rvParam);
    if (rv !== undefined && (!Number.isInteger(rv) || rv < 0)) throw new ApiError(400, 'BadRequest', `invalid resource version: ${rvParam}`);
    const timeoutSeconds = query.get('timeoutSeconds');
    const matches = (obj: JsonObject): boolean => {
      const m = obj.metadata as JsonObject;
      return (wantNamespace === undefined || m.namespace === wantNamespace) && (wantName === undefined || m.name === wantName) && matchesLabels(obj, labels);
    };
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked', 'cache-control': 'no-cache' });
    res.flushHeaders();
    const write = (type: string, object: JsonObject) => res.write(`${JSON.stringify({ type, object })}\n`);
    if (rv !== undefined && rv !== 0) {
      const missed = store.eventsSince(rv);
      if (!missed) {
        write('ERROR', statusBody(410, 'Expired', `too old resource version: ${rv} (${store.oldestAvailable})`));
        res.end();
        return;
      }
      for (const e of missed) if (e.resource === type && matches(e.object)) write(e.type, e.object);
    } else {
      for (const obj of store.list(type, undefined)) if (matches(obj)) write('ADDED', obj);
    }
    let timer: NodeJS.Timeout | undefined;
    const watch: OpenWatch = {
      res,
      stalled: false,
      close(abrupt) {
        unsubscribe();
        watches.delete(watch);
        if (timer) clearTimeout(timer);
        if (abrupt) res.socket?.destroy();
        else res.end();
      },
    };
    const unsubscribe = store.subscribe((e: StoreEvent) => {
      if (!watch.stalled && e.resource === type && matches(e.object)) write(e.type, e.object);
    });
    watches.add(watch);
    if (timeoutSeconds && Number(timeoutSeconds) > 0) timer = setTimeout(() => watch.close(false), Number(timeoutSeconds) * 1000);
    req.on('close', () => {
      unsubscribe();
      watches.delete(watch);
      if (timer) clearTimeout(timer);
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.headers.authorization !== `Bearer ${token}`) throw new ApiError(401, 'Unauthorized', 'Unauthorized');
    const attributes = options.rbac ? requestAttributes(req.method ?? 'GET', url) : null;
    if (options.rbac && attributes) authorize(options.rbac, RBAC_USER, attributes);
    if (await pods(req, res, url)) return;
    const r = route(types, url.pathname);
    if (!r) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    if (r.kind === 'discovery') {
      if (req.method !== 'GET') throw new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
      // metrics-server's aggregated API is listed among the groups as the real server lists it.
      const aggregated = (options.metricsApi ?? true) && r.body.kind === 'APIGroupList';
      return send(res, 200, aggregated ? { ...r.body, groups: [...(r.body.groups as Json[]), METRICS_API_GROUP] } : r.body);
    }
    const { type, namespace, name, subresource } = r;
    const q = url.searchParams;
    const fieldManager = q.get('fieldManager') ?? undefined;
    if (fieldManager !== undefined && (fieldManager.length > 128 || !/^[\x20-\x7e]*$/.test(fieldManager))) {
      throw new ApiError(422, 'Invalid', `fieldManager: Invalid value: ${JSON.stringify(fieldManager)}: must be 128 printable characters or fewer`);
    }
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
    const watch = q.get('watch') === '1' || q.get('watch') === 'true';
    switch (req.method) {
      case 'GET': {
        if (watch && !subresource) return startWatch(req, res, type, namespace, name, q);
        if (name) return send(res, 200, store.get(type, namespace, name));
        const labels = parseLabelSelector(q.get('labelSelector'));
        const fields = parseFieldSelector(q.get('fieldSelector'));
        const items = store.list(type, namespace ?? fields.namespace, labels).filter((o) => fields.name === undefined || (o.metadata as JsonObject).name === fields.name);
        return send(res, 200, { apiVersion: apiVersionOf(type), kind: `${type.kind}List`, metadata: { resourceVersion: String(store.resourceVersion) }, items });
      }
      case 'POST': {
        if (name || subresource) throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
        if (type.namespaced && namespace === undefined) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
        const fv = q.get('fieldValidation') ?? 'Warn';
        if (fv !== 'Strict' && fv !== 'Warn' && fv !== 'Ignore') throw new ApiError(400, 'BadRequest', `fieldValidation must be one of Strict, Warn, Ignore`);
        const result = store.create(type, namespace, parseJson(await readBody(req)), { fieldManager: fieldManager ?? String(req.headers['user-agent'] ?? 'unknown').split('/')[0] ?? 'unknown', fieldValidation: fv });
        return send(res, 201, result.object, result.warnings);
      }
      case 'PATCH': {
        if (!name) throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
        const force = q.get('force');
        const body = await readBody(req);
        if (contentType === 'application/apply-patch+yaml') {
          if (subresource) throw new ApiError(415, 'UnsupportedMediaType', 'the kube-apiserver stand-in does not implement apply on the status subresource');
          if (!fieldManager) throw new ApiError(422, 'Invalid', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
          if (force !== null && force !== 'true' && force !== 'false') throw new ApiError(400, 'BadRequest', `invalid force value: ${force}`);
          let parsed: Json;
          try {
            parsed = parseYaml(body) as Json;
          } catch (error) {
            throw new ApiError(400, 'BadRequest', `error decoding YAML: ${(error as Error).message}`);
          }
          const result = store.apply(type, namespace, name, parsed, { fieldManager, force: force === 'true' });
          return send(res, result.created ? 201 : 200, result.object, result.warnings);
        }
        if (force !== null) throw new ApiError(422, 'Invalid', 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch');
        if (contentType === 'application/merge-patch+json' && subresource === 'status') {
          const result = store.patchStatus(type, namespace, name, parseJson(body), fieldManager ?? 'unknown');
          return send(res, 200, result.object);
        }
        throw new ApiError(415, 'UnsupportedMediaType', `the kube-apiserver stand-in only accepts application/apply-patch+yaml on resources and application/merge-patch+json on /status (got ${contentType || 'no content type'})`);
      }
      case 'DELETE': {
        if (!name || subresource) throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
        const gone = store.delete(type, namespace, name);
        const uid = (gone.metadata as JsonObject).uid ?? null;
        return send(res, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, group: type.group, kind: type.plural, uid } });
      }
      default:
        throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const apiError = error instanceof ApiError ? error : new ApiError(500, 'InternalError', `stand-in internal error: ${(error as Error).stack ?? String(error)}`);
      if (res.headersSent) res.destroy();
      else sendError(res, apiError);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const operator = options.operator === false ? undefined : new CnpgOperatorSimulation(store, options.operator ?? {});

  return {
    url,
    token,
    kubeconfig: () =>
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '  - name: kube-apiserver-stand-in',
        '    cluster:',
        `      server: ${url}`,
        '      insecure-skip-tls-verify: true',
        'users:',
        '  - name: stand-in',
        '    user:',
        `      token: ${token}`,
        'contexts:',
        '  - name: stand-in',
        '    context:',
        '      cluster: kube-apiserver-stand-in',
        '      user: stand-in',
        'current-context: stand-in',
        '',
      ].join('\n'),
    objects: () => store.all(),
    dropWatches: (o = {}) => {
      for (const w of [...watches]) w.close(o.abrupt === true);
    },
    stallWatches: () => {
      for (const w of watches) w.stalled = true;
    },
    compact: () => store.compact(),
    openWatches: () => watches.size,
    operator,
    stop: async () => {
      await operator?.stop();
      for (const w of [...watches]) w.close(true);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
