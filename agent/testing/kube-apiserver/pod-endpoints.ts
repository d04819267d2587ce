// The stand-in's pod subresources and metrics API, for the instance pods of simulated CloudNativePG Clusters. Pods are
// not stored objects here: a Cluster's pod `<name>-1` (CNPG's first instance, the primary) exists while the operator's
// status lists it in instanceNames and its real server runs (so a hibernated Cluster has none, as in CNPG); the other
// instance names have no server behind them and are not found. Strict as the real API server where the driver relies on it:
//
// - GET /api/v1/namespaces/{ns}/pods/{[scheme:]pod[:port]}/proxy/{path}: port 9187 path `metrics` is the stand-in for
//   CNPG's exporter (cnpg-exporter.ts); any other path there 404 as the exporter's mux does; another port is not
//   listened on (503, as the proxy's dial fails). Unknown pod: 404 Status.
// - GET /api/v1/namespaces/{ns}/pods/{pod}/log: container (only `postgres`), follow, sinceTime (RFC 3339), sinceSeconds
//   (not both: 422), tailLines, timestamps, validated as the real server does (400); the lines are CNPG's JSON
//   (instance-logs.ts). Following streams new lines as the server writes them, until the client goes or the server stops.
// - /apis/metrics.k8s.io/v1beta1 (unless disabled: then 404 as when metrics-server is not installed): discovery,
//   PodMetrics of one pod or the namespace's PodMetricsList (pod-usage.ts).
// RBAC is checked before these, as for every request (index.ts, rbac.ts). Not implemented: pods as objects (get/list/watch of pods 404), limitBytes,
// previous, the exec/attach/portforward subresources.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { cnpgExposition } from './cnpg-exporter.ts';
import type { InstanceServer, SimulatedInstances } from './cnpg-operator.ts';
import { instanceLogReader, type PodLogLine } from './instance-logs.ts';
import { PodUsage } from './pod-usage.ts';
import type { JsonObject, ResourceType } from './resources.ts';
import { ApiError, type ObjectStore } from './store.ts';

export const EXPORTER_PORT = 9187;
export const INSTANCE_CONTAINER = 'postgres';
const METRICS_GROUP_VERSION = 'metrics.k8s.io/v1beta1';
/** The metrics API as /apis lists it (an APIGroup). */
export const METRICS_API_GROUP: JsonObject = {
  name: 'metrics.k8s.io',
  versions: [{ groupVersion: METRICS_GROUP_VERSION, version: 'v1beta1' }],
  preferredVersion: { groupVersion: METRICS_GROUP_VERSION, version: 'v1beta1' },
};
const FOLLOW_POLL_MS = 100;

export interface PodEndpointsOptions {
  store: ObjectStore;
  instances: SimulatedInstances | undefined;
  /** Serve metrics.k8s.io (metrics-server installed). */
  metricsApi: boolean;
}

interface Pod {
  namespace: string;
  name: string;
  cluster: string;
  server: InstanceServer;
}

function notFound(name: string): ApiError {
  return new ApiError(404, 'NotFound', `pods "${name}" not found`, { name, kind: 'pods' });
}

function sendText(res: ServerResponse, code: number, text: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(code, { 'content-type': contentType, 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

function sendJson(res: ServerResponse, body: JsonObject): void {
  sendText(res, 200, JSON.stringify(body), 'application/json');
}

function bool(query: URLSearchParams, key: string): boolean {
  const value = query.get(key);
  if (value === null || value === '' || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  throw new ApiError(400, 'BadRequest', `${key}: Invalid value: "${value}": strconv.ParseBool: parsing "${value}": invalid syntax`);
}

function nonNegative(query: URLSearchParams, key: string): number | null {
  const value = query.get(key);
  if (value === null) return null;
  if (!/^\d+$/.test(value)) throw new ApiError(400, 'BadRequest', `${key}: Invalid value: "${value}": must be a non-negative integer`);
  return Number(value);
}

export function podEndpoints(options: PodEndpointsOptions) {
  const { store } = options;
  const clusterType = store.types.find((t) => t.kind === 'Cluster') as ResourceType;
  const usage = new PodUsage();

  async function findPod(namespace: string, name: string): Promise<Pod> {
    const match = /^(.+)-(\d+)$/.exec(name);
    const cluster = match ? store.tryGet(clusterType, namespace, match[1]!) : undefined;
    const listed = ((cluster?.status as JsonObject | undefined)?.instanceNames ?? []) as string[];
    if (!match || !cluster || !listed.includes(name) || match[2] !== '1') throw notFound(name);
    const server = (await options.instances?.server?.(`${namespace}/${match[1]}`)) ?? null;
    if (!server) throw notFound(name);
    return { namespace, name, cluster: match[1]!, server };
  }

  async function proxy(res: ServerResponse, namespace: string, target: string, path: string): Promise<void> {
    // [scheme:]name[:port], as the API server reads a proxy target.
    const parts = target.split(':');
    const [name, port] = parts.length === 3 ? [parts[1]!, parts[2]!] : parts.length === 2 && /^\d+$/.test(parts[1]!) ? [parts[0]!, parts[1]!] : [parts.at(-1)!, ''];
    const pod = await findPod(namespace, name);
    if (Number(port) !== EXPORTER_PORT) {
      throw new ApiError(503, 'ServiceUnavailable', `error trying to reach service: dial tcp 10.244.0.1:${port || 80}: connect: connection refused`);
    }
    if (path !== 'metrics') return sendText(res, 404, '404 page not found\n');
    sendText(res, 200, await cnpgExposition(pod.server, pod.cluster), 'text/plain; version=0.0.4; charset=utf-8');
  }

  async function log(req: IncomingMessage, res: ServerResponse, namespace: string, name: string, query: URLSearchParams): Promise<void> {
    const pod = await findPod(namespace, name);
    const container = query.get('container');
    if (container !== null && container !== INSTANCE_CONTAINER) throw new ApiError(400, 'BadRequest', `container ${container} is not valid for pod ${name}`);
    const follow = bool(query, 'follow');
    const timestamps = bool(query, 'timestamps');
    const tailLines = nonNegative(query, 'tailLines');
    const sinceSeconds = nonNegative(query, 'sinceSeconds');
    const sinceTimeText = query.get('sinceTime');
    if (sinceTimeText !== null && sinceSeconds !== null) throw new ApiError(422, 'Invalid', 'PodLogOptions "" is invalid: : Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified');
    if (sinceSeconds === 0) throw new ApiError(422, 'Invalid', 'PodLogOptions "" is invalid: sinceSeconds: Invalid value: 0: must be greater than 0');
    let since = -Infinity;
    if (sinceTimeText !== null) {
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(sinceTimeText) || Number.isNaN(Date.parse(sinceTimeText))) {
        throw new ApiError(400, 'BadRequest', `sinceTime: Invalid value: "${sinceTimeText}": parsing time "${sinceTimeText}" as "2006-01-02T15:04:05Z07:00": cannot parse`);
      }
      // metav1.Time has whole seconds.
      since = Math.floor(Date.parse(sinceTimeText) / 1000) * 1000;
    } else if (sinceSeconds !== null) since = Date.now() - sinceSeconds * 1000;
    const read = instanceLogReader(pod.server, name);
    const format = (line: PodLogLine) => `${timestamps ? `${new Date(line.time).toISOString()} ` : ''}${line.text}\n`;
    let lines = (await read()).filter((line) => line.time >= since);
    if (tailLines !== null) lines = tailLines === 0 ? [] : lines.slice(-tailLines);
    res.writeHead(200, { 'content-type': 'text/plain', ...(follow ? { 'transfer-encoding': 'chunked' } : {}) });
    res.write(lines.map(format).join(''));
    if (!follow) return void res.end();
    res.flushHeaders();
    let open = true;
    req.on('close', () => (open = false));
    let lastCheck = Date.now();
    // Bounded by the client: the loop ends when it goes away, or when the server stops (its container terminated).
    while (open) {
      await new Promise((resolve) => setTimeout(resolve, FOLLOW_POLL_MS));
      const fresh = await read().catch(() => []);
      if (fresh.length > 0 && open) res.write(fresh.map(format).join(''));
      if (Date.now() - lastCheck > 1000) {
        lastCheck = Date.now();
        if (!(await options.instances?.server?.(`${namespace}/${pod.cluster}`))) break;
      }
    }
    res.end();
  }

  async function podMetrics(pod: Pod): Promise<JsonObject | null> {
    const used = await usage.usage(`${pod.namespace}/${pod.name}`, pod.server.pid);
    if (!used) return null;
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    return {
      kind: 'PodMetrics',
      apiVersion: METRICS_GROUP_VERSION,
      metadata: { name: pod.name, namespace: pod.namespace, creationTimestamp: now, labels: { 'cnpg.io/cluster': pod.cluster, 'cnpg.io/instanceName': pod.name } },
      timestamp: now,
      window: `${Math.max(1, Math.round(used.windowSeconds))}s`,
      containers: [{ name: INSTANCE_CONTAINER, usage: { cpu: `${used.nanocores}n`, memory: `${Math.round(used.memoryBytes / 1024)}Ki` } }],
    };
  }

  async function metricsApi(res: ServerResponse, rest: string[]): Promise<void> {
    if (rest.length === 0) {
      return sendJson(res, {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: METRICS_GROUP_VERSION,
        resources: [
          { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
          { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
        ],
      });
    }
    if (rest[0] !== 'namespaces' || rest[2] !== 'pods' || rest.length > 4 || !rest[1]) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    const namespace = rest[1];
    if (rest[3]) {
      const pod = await findPod(namespace, rest[3]).catch(() => null);
      const metrics = pod ? await podMetrics(pod) : null;
      if (!metrics) throw new ApiError(404, 'NotFound', `podmetrics.metrics.k8s.io "${namespace}/${rest[3]}" not found`, { name: `${namespace}/${rest[3]}`, group: 'metrics.k8s.io', kind: 'pods' });
      return sendJson(res, metrics);
    }
    const items: JsonObject[] = [];
    for (const cluster of store.list(clusterType, namespace)) {
      const first = `${String((cluster.metadata as JsonObject).name)}-1`;
      const pod = await findPod(namespace, first).catch(() => null);
      const metrics = pod ? await podMetrics(pod) : null;
      if (metrics) items.push(metrics);
    }
    sendJson(res, { kind: 'PodMetricsList', apiVersion: METRICS_GROUP_VERSION, metadata: {}, items });
  }

  /** Serves the request when its path is one of these endpoints; false leaves it to the resource routes. */
  return async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const podPath = segments[0] === 'api' && segments[1] === 'v1' && segments[2] === 'namespaces' && segments[4] === 'pods' && segments.length >= 7;
    const metricsPath = options.metricsApi && segments[0] === 'apis' && `${segments[1]}/${segments[2]}` === METRICS_GROUP_VERSION;
    if (!(podPath && (segments[6] === 'proxy' || (segments[6] === 'log' && segments.length === 7))) && !metricsPath) return false;
    if (req.method !== 'GET') throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    if (metricsPath) await metricsApi(res, segments.slice(3));
    else if (segments[6] === 'log') await log(req, res, segments[3]!, segments[5]!, url.searchParams);
    else await proxy(res, segments[3]!, segments[5]!, segments.slice(7).join('/'));
    return true;
  };
}
