// A SIMULATION of the CloudNativePG operator, for tests only: it runs no PostgreSQL and no pods. It reacts to the
// stand-in API server's Cluster events by walking `.status` through CNPG's phases with small delays, creates the
// Services CNPG would (default -rw/-ro/-r and the `managed.services.additional` ones, LoadBalancers getting an ingress
// IP as a cloud controller would), honours the `cnpg.io/hibernation` annotation, and can be told to fail a cluster.
// Not simulated: pods, PVCs, secrets (-app/-superuser), backups, switchover, webhooks, the CNPG `phaseReason` details.
import type { JsonObject, ResourceType } from './resources.ts';
import type { ObjectStore, StoreEvent } from './store.ts';

export interface CnpgOperatorOptions {
  /** Delay between status steps (ms). Default 20. */
  stepDelayMs?: number;
  /** The ingress IP LoadBalancer Services get. Default 127.0.0.1. */
  loadBalancerIp?: string;
}

export const OPERATOR_FIELD_MANAGER = 'cnpg-operator-simulation';
export const PHASE_SETTING_UP = 'Setting up primary';
export const PHASE_CREATING_REPLICA = 'Creating replica';
export const PHASE_UPGRADING = 'Upgrading cluster';
export const PHASE_HEALTHY = 'Cluster in healthy state';
export const HIBERNATION_ANNOTATION = 'cnpg.io/hibernation';

interface Tracked {
  generation: number;
  hibernation: string | undefined;
  failed: string | undefined;
  timers: NodeJS.Timeout[];
}

const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export class CnpgOperatorSimulation {
  private readonly tracked = new Map<string, Tracked>();
  private readonly unsubscribe: () => void;
  private readonly clusterType: ResourceType;
  private readonly serviceType: ResourceType;
  private readonly stepDelayMs: number;
  private readonly loadBalancerIp: string;
  private stopped = false;

  constructor(
    private readonly store: ObjectStore,
    options: CnpgOperatorOptions,
  ) {
    this.stepDelayMs = options.stepDelayMs ?? 20;
    this.loadBalancerIp = options.loadBalancerIp ?? '127.0.0.1';
    const find = (kind: string) => {
      const t = store.types.find((x) => x.kind === kind);
      if (!t) throw new Error(`stand-in has no ${kind} type`);
      return t;
    };
    this.clusterType = find('Cluster');
    this.serviceType = find('Service');
    this.unsubscribe = store.subscribe((e) => this.onEvent(e));
  }

  /** Makes a cluster fail: stuck in 'Setting up primary' with condition Ready False carrying `message`. Sticky until recover(). */
  failCluster(namespace: string, name: string, message: string): void {
    const t = this.track(namespace, name);
    t.failed = message;
    this.schedule(namespace, name, [() => this.writeFailed(namespace, name, message)]);
  }

  /** Clears a failure set by failCluster() and reconciles the cluster again. */
  recover(namespace: string, name: string): void {
    const t = this.track(namespace, name);
    t.failed = undefined;
    this.reconcile(namespace, name, 'restart');
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    for (const t of this.tracked.values()) for (const timer of t.timers) clearTimeout(timer);
    this.tracked.clear();
  }

  private track(namespace: string, name: string): Tracked {
    const id = `${namespace}/${name}`;
    let t = this.tracked.get(id);
    if (!t) {
      t = { generation: 0, hibernation: undefined, failed: undefined, timers: [] };
      this.tracked.set(id, t);
    }
    return t;
  }

  private onEvent(e: StoreEvent): void {
    if (this.stopped || e.resource !== this.clusterType) return;
    const m = e.object.metadata as JsonObject;
    const namespace = String(m.namespace);
    const name = String(m.name);
    const id = `${namespace}/${name}`;
    if (e.type === 'DELETED') {
      for (const timer of this.tracked.get(id)?.timers ?? []) clearTimeout(timer);
      this.tracked.delete(id);
      return;
    }
    const t = this.track(namespace, name);
    const generation = Number(m.generation ?? 0);
    const annotations = (m.annotations ?? {}) as Record<string, string>;
    const hibernation = annotations[HIBERNATION_ANNOTATION] === 'on' ? 'on' : undefined;
    const generationChanged = generation !== t.generation;
    const hibernationChanged = hibernation !== t.hibernation;
    if (!generationChanged && !hibernationChanged) return;
    const wasNew = t.generation === 0;
    t.generation = generation;
    t.hibernation = hibernation;
    if (t.failed !== undefined) return;
    this.reconcile(namespace, name, wasNew || hibernationChanged ? 'restart' : 'update');
  }

  /** Replaces the cluster's pending steps with `steps`, run one `stepDelayMs` apart (never inside a store event). */
  private schedule(namespace: string, name: string, steps: Array<() => void>): void {
    const t = this.track(namespace, name);
    for (const timer of t.timers) clearTimeout(timer);
    t.timers = steps.map((step, i) =>
      setTimeout(() => {
        if (this.stopped || !this.store.tryGet(this.clusterType, namespace, name)) return;
        step();
      }, this.stepDelayMs * (i + 1)),
    );
  }

  private reconcile(namespace: string, name: string, mode: 'restart' | 'update'): void {
    const cluster = this.store.tryGet(this.clusterType, namespace, name);
    if (!cluster) return;
    const spec = (cluster.spec ?? {}) as JsonObject;
    const instances = Number(spec.instances ?? 1);
    const status = (cluster.status ?? {}) as JsonObject;
    const steps: Array<() => void> = [() => this.ensureServices(namespace, name)];
    if (this.track(namespace, name).hibernation === 'on') {
      steps.push(() => this.writeStatus(namespace, name, { readyInstances: 0, instances }, { ready: false, hibernated: true }));
      this.schedule(namespace, name, steps);
      return;
    }
    const ready = mode === 'restart' ? 0 : Math.min(Number(status.readyInstances ?? 0), instances);
    if (ready === 0) {
      steps.push(() => this.writeStatus(namespace, name, { phase: PHASE_SETTING_UP, instances, readyInstances: 0 }, { ready: false }));
      steps.push(() => this.writeStatus(namespace, name, { phase: instances > 1 ? PHASE_CREATING_REPLICA : PHASE_SETTING_UP, instances, readyInstances: 1 }, { ready: false }));
    } else if (ready === instances) {
      steps.push(() => this.writeStatus(namespace, name, { phase: PHASE_UPGRADING, instances, readyInstances: ready }, { ready: false }));
    }
    for (let i = Math.max(ready, 1) + 1; i <= instances; i++) {
      const readyNow = i - 1;
      steps.push(() => this.writeStatus(namespace, name, { phase: PHASE_CREATING_REPLICA, instances, readyInstances: readyNow }, { ready: false }));
    }
    steps.push(() => this.writeStatus(namespace, name, { phase: PHASE_HEALTHY, instances, readyInstances: instances }, { ready: true }));
    this.schedule(namespace, name, steps);
  }

  private writeFailed(namespace: string, name: string, message: string): void {
    const cluster = this.store.tryGet(this.clusterType, namespace, name);
    const instances = Number(((cluster?.spec ?? {}) as JsonObject).instances ?? 1);
    this.writeStatus(namespace, name, { phase: PHASE_SETTING_UP, instances, readyInstances: 0 }, { ready: false, message });
  }

  private writeStatus(namespace: string, name: string, fields: JsonObject, c: { ready: boolean; hibernated?: boolean; message?: string }): void {
    const cluster = this.store.tryGet(this.clusterType, namespace, name);
    if (!cluster) return;
    const previous = (((cluster.status ?? {}) as JsonObject).conditions ?? []) as JsonObject[];
    const generation = Number((cluster.metadata as JsonObject).generation ?? 1);
    const condition = (type: string, status: 'True' | 'False', reason: string, message: string): JsonObject => {
      const old = previous.find((p) => p.type === type);
      const lastTransitionTime = old && old.status === status ? String(old.lastTransitionTime) : now();
      return { type, status, reason, message, lastTransitionTime, observedGeneration: generation };
    };
    const conditions: JsonObject[] = [
      c.ready
        ? condition('Ready', 'True', 'ClusterIsReady', 'Cluster is Ready')
        : condition('Ready', 'False', 'ClusterIsNotReady', c.message ?? 'Cluster Is Not Ready'),
    ];
    if (c.hibernated) conditions.push(condition(HIBERNATION_ANNOTATION, 'True', 'Hibernated', 'Cluster has been hibernated'));
    const instances = Number(fields.instances ?? 1);
    const instanceNames = Array.from({ length: instances }, (_, i) => `${name}-${i + 1}`);
    this.store.patchStatus(
      this.clusterType,
      namespace,
      name,
      {
        status: {
          ...fields,
          conditions,
          instanceNames,
          latestGeneratedNode: instances,
          currentPrimary: `${name}-1`,
          targetPrimary: `${name}-1`,
          writeService: `${name}-rw`,
          readService: `${name}-r`,
          phaseReason: c.message ?? null,
        },
      },
      OPERATOR_FIELD_MANAGER,
    );
  }

  private ensureServices(namespace: string, name: string): void {
    const cluster = this.store.tryGet(this.clusterType, namespace, name);
    if (!cluster) return;
    const m = cluster.metadata as JsonObject;
    const spec = (cluster.spec ?? {}) as JsonObject;
    const managed = ((spec.managed ?? {}) as JsonObject).services as JsonObject | undefined;
    const disabled = new Set(((managed?.disabledDefaultServices ?? []) as string[]));
    const ownerReferences = [{ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', name, uid: String(m.uid), controller: true, blockOwnerDeletion: true }];
    const roleSelector: Record<string, Record<string, string>> = {
      rw: { 'cnpg.io/cluster': name, 'cnpg.io/instanceRole': 'primary' },
      ro: { 'cnpg.io/cluster': name, 'cnpg.io/instanceRole': 'replica' },
      r: { 'cnpg.io/cluster': name, 'cnpg.io/podRole': 'instance' },
    };
    const ports = [{ name: 'postgres', port: 5432, targetPort: 5432, protocol: 'TCP' }];
    const services: JsonObject[] = [];
    for (const role of ['rw', 'ro', 'r']) {
      if (disabled.has(role)) continue;
      services.push({ metadata: { name: `${name}-${role}`, labels: { 'cnpg.io/cluster': name } }, spec: { type: 'ClusterIP', selector: roleSelector[role] ?? {}, ports } });
    }
    for (const extra of ((managed?.additional ?? []) as JsonObject[])) {
      const template = (extra.serviceTemplate ?? {}) as JsonObject;
      const tm = (template.metadata ?? {}) as JsonObject;
      const ts = (template.spec ?? {}) as JsonObject;
      services.push({
        metadata: { ...tm, labels: { ...((tm.labels ?? {}) as JsonObject), 'cnpg.io/cluster': name } },
        spec: { ports, ...ts, selector: roleSelector[String(extra.selectorType)] ?? {} },
      });
    }
    for (const svc of services) {
      const svcMeta = svc.metadata as JsonObject;
      const applied = this.store.apply(
        this.serviceType,
        namespace,
        String(svcMeta.name),
        { apiVersion: 'v1', kind: 'Service', ...svc, metadata: { ...svcMeta, namespace, ownerReferences } },
        { fieldManager: OPERATOR_FIELD_MANAGER, force: true },
      );
      const svcSpec = svc.spec as JsonObject;
      const status = (applied.object.status ?? {}) as JsonObject;
      if (svcSpec.type === 'LoadBalancer' && status.loadBalancer === undefined) {
        this.store.patchStatus(this.serviceType, namespace, String(svcMeta.name), { status: { loadBalancer: { ingress: [{ ip: this.loadBalancerIp }] } } }, 'cloud-controller-simulation');
      }
    }
  }
}
