// A SIMULATION of the CloudNativePG operator, for tests only. It reacts to the stand-in API server's Cluster events
// by walking `.status` through CNPG's phases (the phase strings are CNPG's own) with small delays, creates the
// Services CNPG would (default -rw/-ro/-r and the `managed.services.additional` ones, LoadBalancers getting an ingress
// IP as a cloud controller would), honours the `cnpg.io/hibernation` annotation, follows the application Secret named
// in `bootstrap.initdb.secret` (reporting the version its instances hold in `status.secretsResourceVersion`), and can
// be told to fail a cluster (phase "Cluster is unrecoverable and needs manual intervention", as CNPG does when an
// initdb job fails).
//
// Without `instances` it runs no PostgreSQL at all. With them, each Cluster is served by one real PostgreSQL server
// that the `instances` backend runs on a loopback port (bootstrapped from initdb's database, owner and the Secret's
// password; stopped on hibernation, removed with the Cluster), and the LoadBalancer Service's port is that server's
// port: every simulated load balancer shares 127.0.0.1, so each cannot have 5432 as a real one would.
//
// Backups through the barman-cloud plugin: a Backup (`method: plugin`, the plugin's name) walks `.status.phase` pending
// -> running -> completed or failed, with startedAt/stoppedAt, beginLSN/endLSN and barman's backupId, and with
// instances that support it is a REAL base backup of the Cluster's server into the S3-compatible store its ObjectStore
// names (endpointURL, destinationPath, credentials from the Secret it references), under the Cluster's WAL-archiver
// plugin's serverName. WAL archiving through that plugin (`plugins` entry with isWALArchiver) is real with instances
// that support it: the server archives every finished WAL file under the serverName, and the Cluster's
// `ContinuousArchiving` condition says whether the last one was archived (True, ContinuousArchivingSuccess) or refused
// (False, ContinuousArchivingFailing, with the error), as CNPG's instance manager reports it. A Cluster with
// `bootstrap.recovery` from an `externalClusters` plugin source gets its server's data from that serverName's history
// before it first starts: the base backup recoveryTarget.backupID names, else the one targetTime needs with the WAL
// replayed to that time, else the newest with all archived WAL replayed; a point the history cannot reach fails the
// Cluster as CNPG's full-recovery job would. The plugin's part after each Backup is simulated too: the ObjectStore's
// `status.serverRecoveryWindow[<serverName>]` gets its firstRecoverabilityPoint (the first completed backup's end) and
// lastSuccessfulBackupTime, or lastFailedBackupTime.
//
// ScheduledBackups fire on their schedule (cnpg-schedule.ts), at once when `immediate` (then on schedule), never while
// `suspend`ed, and not while a Backup they made is still under way: each makes a Backup named and labelled as CNPG
// names them, owned by the ScheduledBackup with `backupOwnerReference: self`, and its status says when it last and next
// runs. runScheduledBackup() makes the next one now, for tests that cannot wait a minute.
//
// Not simulated: pods, PVCs, secrets (-app/-superuser), retention, switchover, webhooks, more than one server per
// Cluster, `backupOwnerReference: cluster`.
import type { ObjectStoreConfig } from '../../backup/object-store.ts';
import { CLUSTER_LABEL, IMMEDIATE_BACKUP_LABEL, nextScheduledTime, PARENT_SCHEDULED_BACKUP_LABEL, scheduledBackupName } from './cnpg-schedule.ts';
import type { JsonObject, ResourceType } from './resources.ts';
import { parseLabelSelector, type ObjectStore, type StoreEvent } from './store.ts';

/** What the simulated instances of one Cluster are bootstrapped with (CNPG's bootstrap.initdb and its Secret). */
export interface SimulatedDatabase {
  database: string;
  owner: string;
  password: string;
  /** The PostgreSQL major version, from the image tag. */
  version: string;
  /** postgresql.parameters.max_connections, when set. */
  maxConnections: number | null;
}

/** A serverName's place: the ObjectStore's store (its prefix is the destinationPath's) and the serverName. */
export interface ArchiveTarget {
  store: ObjectStoreConfig;
  serverName: string;
}

/** Where a backup goes: the serverName's place and barman's id. */
export interface BackupTarget extends ArchiveTarget {
  backupId: string;
}

export interface SimulatedBackup {
  beginLsn: string | null;
  endLsn: string | null;
  beginTime: string;
  endTime: string;
}

/** A recovering Cluster's source: a serverName in a store, at a backup, a time, or (both null) its newest backup. */
export interface RecoverySource {
  store: ObjectStoreConfig;
  serverName: string;
  backupId: string | null;
  targetTime: string | null;
}

/** A server's history: where it archives its WAL (null: nowhere), and the source it is first filled from (null: none). */
export interface SimulatedHistory {
  archive: ArchiveTarget | null;
  recovery: RecoverySource | null;
}

/** Told of every WAL file a server archived (failure null) or could not archive. */
export type ArchivingListener = (key: string, failure: string | null) => void;

/** Real PostgreSQL servers behind simulated Clusters; `key` is `<namespace>/<name>`. */
export interface SimulatedInstances {
  /**
   * Starts the server (creating it on first use, from `history.recovery` when given) with this role, database and
   * password, archiving as `history.archive` says; resolves to its port.
   */
  run(key: string, database: SimulatedDatabase, history: SimulatedHistory): Promise<number>;
  /** Stops the server, keeping its data. */
  hibernate(key: string): Promise<void>;
  /** Stops the server and removes its data. */
  remove(key: string): Promise<void>;
  /** Takes a base backup of the running server into the target. */
  backup?(key: string, target: BackupTarget): Promise<SimulatedBackup>;
  /** Subscribes to the servers' WAL archiving; instances that archive nothing leave it out. */
  watchArchiving?(listener: ArchivingListener): void;
  /** The running server of a Cluster, for the stand-in's pod endpoints (pod-endpoints.ts); null while it does not run. */
  server?(key: string): Promise<InstanceServer | null>;
}

/** A running server as its instance pod's endpoints read it: its processes, its socket (trust), its log. */
export interface InstanceServer {
  /** The postmaster's process id: the pod's processes are it and its children. */
  pid: number;
  /** When the postmaster started (ms): the pod's container, and so its log, begins there. */
  startedAt: number;
  port: number;
  /** The Unix socket directory where the superuser connects without a password. */
  socketDir: string;
  superuser: string;
  /** The Cluster's application database (the exporter's pg_database_size is by datname). */
  database: string;
  /** The server's stderr log, and the directory where a jsonlog destination writes. */
  logFile: string;
  jsonLogDir: string;
}

export interface CnpgOperatorOptions {
  /** Delay between status steps (ms). Default 20. */
  stepDelayMs?: number;
  /** The ingress IP LoadBalancer Services get. Default 127.0.0.1. */
  loadBalancerIp?: string;
  /** Real servers behind the Clusters; none by default. */
  instances?: SimulatedInstances;
}

export const OPERATOR_FIELD_MANAGER = 'cnpg-operator-simulation';
export const PHASE_SETTING_UP = 'Setting up primary';
export const PHASE_CREATING_REPLICA = 'Creating a new replica';
export const PHASE_UPGRADING = 'Upgrading cluster';
export const PHASE_HEALTHY = 'Cluster in healthy state';
export const PHASE_UNRECOVERABLE = 'Cluster is unrecoverable and needs manual intervention';
export const HIBERNATION_ANNOTATION = 'cnpg.io/hibernation';
export const BARMAN_PLUGIN = 'barman-cloud.cloudnative-pg.io';
/** CNPG's condition on WAL archiving (api/v1/cluster_conditions.go), with the reasons archivingCondition() gives. */
export const CONTINUOUS_ARCHIVING = 'ContinuousArchiving';

type Step = () => void | Promise<void>;

interface Tracked {
  generation: number;
  hibernation: string | undefined;
  failed: string | undefined;
  /** The application Secret's resourceVersion the instances hold (null: none yet). */
  heldSecretVersion: string | null;
  /** The LoadBalancer's port: the backing server's when there is one. */
  port: number;
  /** Bumped whenever the steps are replaced; a running sequence stops when it sees a newer epoch. */
  epoch: number;
  /** A sequence of steps is under way. */
  busy: boolean;
  /** The server was filled from its bootstrap.recovery source (done once, before it first starts). */
  recovered: boolean;
  /** How its WAL archiving went last (null: nothing archived or refused yet), for the ContinuousArchiving condition. */
  archiving: { failure: string | null } | null;
}

const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
/** A time as Kubernetes writes metav1.Time: RFC 3339 to the second. */
const seconds = (iso: string): string => new Date(iso).toISOString().replace(/\.\d+Z$/, 'Z');
const POSTGRES_PORT = 5432;

/** A status condition, keeping its lastTransitionTime while its status stays what it was. */
function condition(previous: readonly JsonObject[], generation: number, type: string, status: 'True' | 'False', reason: string, message: string): JsonObject {
  const old = previous.find((p) => p.type === type);
  const lastTransitionTime = old && old.status === status ? String(old.lastTransitionTime) : now();
  return { type, status, reason, message, lastTransitionTime, observedGeneration: generation };
}

/** The ContinuousArchiving condition from how archiving went last, as CNPG's instance manager sets it. */
function archivingCondition(previous: readonly JsonObject[], generation: number, archiving: { failure: string | null }): JsonObject {
  return archiving.failure === null
    ? condition(previous, generation, CONTINUOUS_ARCHIVING, 'True', 'ContinuousArchivingSuccess', 'Continuous archiving is working')
    : condition(previous, generation, CONTINUOUS_ARCHIVING, 'False', 'ContinuousArchivingFailing', archiving.failure);
}

export class CnpgOperatorSimulation {
  private readonly tracked = new Map<string, Tracked>();
  private readonly unsubscribe: () => void;
  private readonly clusterType: ResourceType;
  private readonly serviceType: ResourceType;
  private readonly secretType: ResourceType;
  private readonly backupType: ResourceType;
  private readonly objectStoreType: ResourceType;
  private readonly scheduledBackupType: ResourceType;
  /** Armed ScheduledBackups by `<namespace>/<name>`: what they were armed with (spec changes re-arm) and the timer. */
  private readonly schedules = new Map<string, { armedWith: string; timer: NodeJS.Timeout | null }>();
  /** Backups walked (or being walked), by `<namespace>/<name>`: each is taken once. */
  private readonly backups = new Set<string>();
  /** barman's backup ids handed out per serverName, so two backups in one second still get distinct ids. */
  private readonly backupIds = new Map<string, string>();
  private readonly stepDelayMs: number;
  private readonly loadBalancerIp: string;
  private readonly instances: SimulatedInstances | undefined;
  /** Step sequences and removals under way, so stop() can wait for them. */
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly store: ObjectStore,
    options: CnpgOperatorOptions,
  ) {
    this.stepDelayMs = options.stepDelayMs ?? 20;
    this.loadBalancerIp = options.loadBalancerIp ?? '127.0.0.1';
    this.instances = options.instances;
    const find = (kind: string) => {
      const t = store.types.find((x) => x.kind === kind);
      if (!t) throw new Error(`stand-in has no ${kind} type`);
      return t;
    };
    this.clusterType = find('Cluster');
    this.serviceType = find('Service');
    this.secretType = find('Secret');
    this.backupType = find('Backup');
    this.objectStoreType = find('ObjectStore');
    this.scheduledBackupType = find('ScheduledBackup');
    this.unsubscribe = store.subscribe((e) => this.onEvent(e));
    this.instances?.watchArchiving?.((key, failure) => this.onArchiving(key, failure));
  }

  /** Makes a cluster fail as CNPG does when its bootstrap cannot complete. Sticky until recover(). */
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

  /** Stops reacting, and waits for what was under way (a server being started or removed) to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe();
    for (const armed of this.schedules.values()) if (armed.timer) clearTimeout(armed.timer);
    this.schedules.clear();
    for (const t of this.tracked.values()) t.epoch++;
    this.tracked.clear();
    await Promise.allSettled([...this.inFlight]);
  }

  private track(namespace: string, name: string): Tracked {
    const id = `${namespace}/${name}`;
    let t = this.tracked.get(id);
    if (!t) {
      t = { generation: 0, hibernation: undefined, failed: undefined, heldSecretVersion: null, port: POSTGRES_PORT, epoch: 0, busy: false, recovered: false, archiving: null };
      this.tracked.set(id, t);
    }
    return t;
  }

  private onEvent(e: StoreEvent): void {
    if (this.stopped) return;
    if (e.resource === this.secretType) return this.onSecret(e);
    if (e.resource === this.backupType) return this.onBackup(e);
    if (e.resource === this.scheduledBackupType) return this.onScheduledBackup(e);
    if (e.resource !== this.clusterType) return;
    const m = e.object.metadata as JsonObject;
    const namespace = String(m.namespace);
    const name = String(m.name);
    const id = `${namespace}/${name}`;
    if (e.type === 'DELETED') {
      const t = this.tracked.get(id);
      if (t) t.epoch++;
      this.tracked.delete(id);
      if (this.instances) this.run(this.instances.remove(id));
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

  /** A changed application Secret: the instances take the new password, and the status says which version they hold. */
  private onSecret(e: StoreEvent): void {
    if (e.type === 'DELETED') return;
    const namespace = String((e.object.metadata as JsonObject).namespace);
    for (const id of this.tracked.keys()) {
      if (id.startsWith(`${namespace}/`)) this.takeNewPassword(namespace, id.slice(namespace.length + 1));
    }
  }

  /**
   * Starts the password step when the Secret moved on from what the instances hold. A sequence under way is left
   * alone: it checks again when it ends, since it may have started its instances before the change.
   */
  private takeNewPassword(namespace: string, name: string): void {
    const t = this.track(namespace, name);
    if (t.busy || t.failed !== undefined || t.hibernation === 'on' || t.heldSecretVersion === null) return;
    const secret = this.store.tryGet(this.secretType, namespace, this.secretNameOf(namespace, name) ?? '');
    if (secret && String((secret.metadata as JsonObject).resourceVersion) !== t.heldSecretVersion) this.reconcile(namespace, name, 'password');
  }

  private run(work: Promise<void>): void {
    const tracked = work.catch(() => undefined).finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  /** Replaces the cluster's pending steps with `steps`, run in order one `stepDelayMs` apart (never inside a store event). */
  private schedule(namespace: string, name: string, steps: Step[]): void {
    const t = this.track(namespace, name);
    const epoch = ++t.epoch;
    t.busy = true;
    const current = () => !this.stopped && t.epoch === epoch && this.tracked.get(`${namespace}/${name}`) === t && this.store.tryGet(this.clusterType, namespace, name) !== undefined;
    this.run(
      (async () => {
        for (const step of steps) {
          await new Promise((r) => setTimeout(r, this.stepDelayMs));
          if (!current()) return;
          try {
            await step();
          } catch (error) {
            if (!current()) return;
            t.failed = error instanceof Error ? error.message : String(error);
            t.busy = false;
            this.writeFailed(namespace, name, t.failed);
            return;
          }
        }
        if (!current()) return;
        t.busy = false;
        this.takeNewPassword(namespace, name);
      })(),
    );
  }

  private reconcile(namespace: string, name: string, mode: 'restart' | 'update' | 'password'): void {
    const cluster = this.store.tryGet(this.clusterType, namespace, name);
    if (!cluster) return;
    const t = this.track(namespace, name);
    const spec = (cluster.spec ?? {}) as JsonObject;
    const instances = Number(spec.instances ?? 1);
    const status = (cluster.status ?? {}) as JsonObject;
    const steps: Step[] = [() => this.ensureServices(namespace, name)];
    if (t.hibernation === 'on') {
      if (this.instances) steps.push(() => this.instances?.hibernate(`${namespace}/${name}`));
      steps.push(() => this.writeStatus(namespace, name, { readyInstances: 0, instances }, { ready: false, hibernated: true }));
      this.schedule(namespace, name, steps);
      return;
    }
    const ready = mode === 'restart' ? 0 : Math.min(Number(status.readyInstances ?? 0), instances);
    if (mode === 'password') {
      // The instance manager takes the new password in place: no restart, no change of phase.
      steps.push(() => this.startInstances(namespace, name));
      steps.push(() => this.writeStatus(namespace, name, { phase: String(status.phase ?? PHASE_HEALTHY), instances, readyInstances: ready }, { ready: status.phase === PHASE_HEALTHY }));
      this.schedule(namespace, name, steps);
      return;
    }
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
    steps.push(() => this.startInstances(namespace, name));
    steps.push(() => this.writeStatus(namespace, name, { phase: PHASE_HEALTHY, instances, readyInstances: instances }, { ready: true }));
    this.schedule(namespace, name, steps);
  }

  /** Brings the instances up with the Secret as it is now (a real server when there is a backend). */
  private async startInstances(namespace: string, name: string): Promise<void> {
    const t = this.track(namespace, name);
    const secret = this.store.tryGet(this.secretType, namespace, this.secretNameOf(namespace, name) ?? '');
    const secretVersion = secret ? String((secret.metadata as JsonObject).resourceVersion) : null;
    if (this.instances) {
      if (!secret) throw new Error(`the bootstrap secret of ${namespace}/${name} does not exist`);
      const recovery = !t.recovered && this.recoveryOf(namespace, name) ? this.recoverySource(namespace, name) : null;
      t.port = await this.instances.run(`${namespace}/${name}`, this.databaseOf(namespace, name, secret), { archive: this.archiveTargetOf(namespace, name), recovery });
      t.recovered = true;
      this.ensureServices(namespace, name);
    }
    t.heldSecretVersion = secretVersion;
  }

  /**
   * Where the Cluster's WAL archiver plugin archives, when it has one and the instances archive at all. An ObjectStore
   * that cannot be read fails archiving (the condition says why), not the Cluster, as with CNPG.
   */
  private archiveTargetOf(namespace: string, name: string): ArchiveTarget | null {
    if (!this.instances?.watchArchiving) return null;
    const cluster = this.store.tryGet(this.clusterType, namespace, name);
    const parameters = cluster ? archiverParameters(cluster) : null;
    if (!parameters) return null;
    try {
      return { store: this.objectStoreConfig(namespace, parameters.barmanObjectName), serverName: parameters.serverName };
    } catch (error) {
      this.onArchiving(`${namespace}/${name}`, error instanceof Error ? error.message : String(error));
      return null;
    }
  }

  /** A WAL file archived or refused: the ContinuousArchiving condition follows when it changes. */
  private onArchiving(key: string, failure: string | null): void {
    const t = this.tracked.get(key);
    if (this.stopped || !t || (t.archiving && t.archiving.failure === failure)) return;
    t.archiving = { failure };
    const [namespace = '', name = ''] = key.split('/');
    const cluster = this.store.tryGet(this.clusterType, namespace, name);
    if (!cluster) return;
    const previous = (((cluster.status ?? {}) as JsonObject).conditions ?? []) as JsonObject[];
    const generation = Number((cluster.metadata as JsonObject).generation ?? 1);
    const conditions = [...previous.filter((p) => p.type !== CONTINUOUS_ARCHIVING), archivingCondition(previous, generation, t.archiving)];
    this.store.patchStatus(this.clusterType, namespace, name, { status: { conditions } }, OPERATOR_FIELD_MANAGER);
  }

  /** bootstrap.initdb, or bootstrap.recovery (which names the database, owner and secret the same way). */
  private initdbOf(namespace: string, name: string): JsonObject {
    const cluster = this.store.tryGet(this.clusterType, namespace, name);
    const bootstrap = (((cluster?.spec ?? {}) as JsonObject).bootstrap ?? {}) as JsonObject;
    return ((bootstrap.initdb ?? bootstrap.recovery) as JsonObject | undefined) ?? {};
  }

  private recoveryOf(namespace: string, name: string): JsonObject | undefined {
    const cluster = this.store.tryGet(this.clusterType, namespace, name);
    return ((((cluster?.spec ?? {}) as JsonObject).bootstrap ?? {}) as JsonObject).recovery as JsonObject | undefined;
  }

  /** The recovery's `externalClusters` source as a store and serverName, with its target. */
  private recoverySource(namespace: string, name: string): RecoverySource {
    const cluster = this.store.tryGet(this.clusterType, namespace, name);
    const recovery = this.recoveryOf(namespace, name) ?? {};
    const external = ((((cluster?.spec ?? {}) as JsonObject).externalClusters ?? []) as JsonObject[]).find((c) => c.name === recovery.source);
    const plugin = (external?.plugin ?? {}) as JsonObject;
    const parameters = (plugin.parameters ?? {}) as Record<string, string>;
    if (!external || plugin.name !== BARMAN_PLUGIN || !parameters.barmanObjectName || !parameters.serverName) {
      throw new Error(`bootstrap.recovery.source ${JSON.stringify(recovery.source)} is not an externalClusters entry with the ${BARMAN_PLUGIN} plugin`);
    }
    const target = (recovery.recoveryTarget ?? {}) as Record<string, string>;
    return {
      store: this.objectStoreConfig(namespace, parameters.barmanObjectName),
      serverName: parameters.serverName,
      backupId: target.backupID ?? null,
      targetTime: target.targetTime ?? null,
    };
  }

  /** An ObjectStore as the S3 client's configuration: endpoint, bucket and prefix from destinationPath, credentials. */
  private objectStoreConfig(namespace: string, objectStoreName: string): ObjectStoreConfig {
    const objectStore = this.store.tryGet(this.objectStoreType, namespace, objectStoreName);
    if (!objectStore) throw new Error(`ObjectStore ${namespace}/${objectStoreName} does not exist`);
    const configuration = (((objectStore.spec ?? {}) as JsonObject).configuration ?? {}) as JsonObject;
    const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(String(configuration.destinationPath ?? ''));
    if (!match) throw new Error(`ObjectStore ${namespace}/${objectStoreName}: destinationPath is not s3://<bucket>/<path>`);
    const credentials = (configuration.s3Credentials ?? {}) as Record<string, { name: string; key: string } | undefined>;
    const secretValue = (selector: { name: string; key: string } | undefined): string | null => {
      if (!selector) return null;
      const secret = this.store.tryGet(this.secretType, namespace, selector.name);
      const value = ((secret?.data ?? {}) as Record<string, string>)[selector.key];
      if (value === undefined) throw new Error(`Secret ${namespace}/${selector.name} has no key ${selector.key}`);
      return Buffer.from(value, 'base64').toString('utf8');
    };
    const path = match[2] ?? '';
    return {
      endpoint: String(configuration.endpointURL ?? ''),
      bucket: match[1]!,
      region: secretValue(credentials.region) ?? 'us-east-1',
      accessKeyId: secretValue(credentials.accessKeyId),
      secretAccessKey: secretValue(credentials.secretAccessKey),
      forcePathStyle: true,
      sse: 'off',
      prefix: path === '' || path.endsWith('/') ? path : `${path}/`,
    };
  }

  /** A new Backup: walked once, pending -> running -> completed or failed, one step delay apart. */
  private onBackup(e: StoreEvent): void {
    const m = e.object.metadata as JsonObject;
    const namespace = String(m.namespace);
    const name = String(m.name);
    const id = `${namespace}/${name}`;
    if (e.type === 'DELETED' || this.backups.has(id) || ((e.object.status ?? {}) as JsonObject).phase !== undefined) return;
    this.backups.add(id);
    const delay = () => new Promise((r) => setTimeout(r, this.stepDelayMs));
    const write = (status: JsonObject) => {
      if (!this.stopped && this.store.tryGet(this.backupType, namespace, name)) this.store.patchStatus(this.backupType, namespace, name, { status }, OPERATOR_FIELD_MANAGER);
    };
    this.run(
      (async () => {
        await delay();
        write({ phase: 'pending' });
        await delay();
        const startedAt = now();
        let archive: { objectStore: string; serverName: string } | null = null;
        try {
          const spec = (e.object.spec ?? {}) as JsonObject;
          const clusterName = String(((spec.cluster ?? {}) as JsonObject).name ?? '');
          if (spec.method !== 'plugin' || ((spec.pluginConfiguration ?? {}) as JsonObject).name !== BARMAN_PLUGIN) {
            throw new Error(`only method plugin with ${BARMAN_PLUGIN} is simulated`);
          }
          const cluster = this.store.tryGet(this.clusterType, namespace, clusterName);
          if (!cluster) throw new Error(`cluster ${clusterName} does not exist`);
          const parameters = archiverParameters(cluster);
          if (!parameters) throw new Error(`cluster ${clusterName} has no ${BARMAN_PLUGIN} WAL archiver plugin`);
          if (!this.instances?.backup) throw new Error('the stand-in runs no PostgreSQL server to back up');
          const store = this.objectStoreConfig(namespace, parameters.barmanObjectName);
          archive = { objectStore: parameters.barmanObjectName, serverName: parameters.serverName };
          const backupId = this.barmanBackupId(parameters.serverName);
          write({ phase: 'running', startedAt, method: 'plugin', serverName: parameters.serverName, backupId });
          const taken = await this.instances.backup(`${namespace}/${clusterName}`, { store, serverName: parameters.serverName, backupId });
          const destinationPath = `s3://${store.bucket}/${store.prefix}`;
          this.writeRecoveryWindow(namespace, archive, { lastSuccessfulBackupTime: seconds(taken.endTime) });
          write({
            phase: 'completed',
            startedAt: taken.beginTime,
            stoppedAt: taken.endTime,
            backupId,
            serverName: parameters.serverName,
            destinationPath,
            method: 'plugin',
            online: true,
            ...(taken.beginLsn ? { beginLSN: taken.beginLsn } : {}),
            ...(taken.endLsn ? { endLSN: taken.endLsn } : {}),
          });
        } catch (error) {
          const stoppedAt = now();
          if (archive) this.writeRecoveryWindow(namespace, archive, { lastFailedBackupTime: stoppedAt });
          write({ phase: 'failed', startedAt, stoppedAt, error: error instanceof Error ? error.message : String(error) });
        }
      })(),
    );
  }

  /**
   * The plugin's recovery window of a serverName after a backup: the first recoverability point stays the first
   * backup's end (what barman reports without archived WAL before it), the other times are the newest.
   */
  private writeRecoveryWindow(namespace: string, archive: { objectStore: string; serverName: string }, times: { lastSuccessfulBackupTime?: string; lastFailedBackupTime?: string }): void {
    const objectStore = this.store.tryGet(this.objectStoreType, namespace, archive.objectStore);
    if (this.stopped || !objectStore) return;
    const windows = (((objectStore.status ?? {}) as JsonObject).serverRecoveryWindow ?? {}) as Record<string, JsonObject>;
    const first = windows[archive.serverName]?.firstRecoverabilityPoint ?? times.lastSuccessfulBackupTime;
    const window: JsonObject = { ...times, ...(first ? { firstRecoverabilityPoint: first } : {}) };
    this.store.patchStatus(this.objectStoreType, namespace, archive.objectStore, { status: { serverRecoveryWindow: { [archive.serverName]: window } } }, OPERATOR_FIELD_MANAGER);
  }

  /**
   * A ScheduledBackup created or changed: armed again when what it fires on changed (its own status writes do not
   * count). The immediate Backup is made once, before the first status is written, as CNPG does.
   */
  private onScheduledBackup(e: StoreEvent): void {
    const m = e.object.metadata as JsonObject;
    const namespace = String(m.namespace);
    const name = String(m.name);
    const id = `${namespace}/${name}`;
    const previous = this.schedules.get(id);
    const spec = (e.object.spec ?? {}) as JsonObject;
    const armedWith = JSON.stringify([spec.schedule, spec.suspend, spec.cluster]);
    if (e.type !== 'DELETED' && previous?.armedWith === armedWith) return;
    if (previous?.timer) clearTimeout(previous.timer);
    this.schedules.delete(id);
    if (e.type === 'DELETED') return;
    const armed = { armedWith, timer: null as NodeJS.Timeout | null };
    this.schedules.set(id, armed);
    if (spec.suspend === true) return;
    const first = ((e.object.status ?? {}) as JsonObject).lastCheckTime === undefined;
    // Outside the store event that told us, like every other write of the simulation.
    armed.timer = setTimeout(() => {
      armed.timer = null;
      if (first && spec.immediate === true) this.fireScheduledBackup(namespace, name, new Date(), true);
      else this.armScheduledBackup(namespace, name, new Date());
    }, 0);
    armed.timer.unref();
  }

  /** Sets the timer for the schedule's next time after `after`, and says when that is in the status. */
  private armScheduledBackup(namespace: string, name: string, after: Date): void {
    const armed = this.schedules.get(`${namespace}/${name}`);
    const scheduled = this.store.tryGet(this.scheduledBackupType, namespace, name);
    if (this.stopped || !armed || !scheduled) return;
    const next = nextScheduledTime(String(((scheduled.spec ?? {}) as JsonObject).schedule ?? ''), after);
    this.store.patchStatus(
      this.scheduledBackupType,
      namespace,
      name,
      { status: { lastCheckTime: seconds(after.toISOString()), nextScheduleTime: next ? seconds(next.toISOString()) : null } },
      OPERATOR_FIELD_MANAGER,
    );
    if (!next) return;
    if (armed.timer) clearTimeout(armed.timer);
    armed.timer = setTimeout(() => {
      armed.timer = null;
      this.fireScheduledBackup(namespace, name, next, false);
    }, Math.max(0, next.getTime() - Date.now()));
    armed.timer.unref();
  }

  /** Makes the ScheduledBackup's next Backup now, as if its time had come; resolves to the Backup's name (null: none made). */
  runScheduledBackup(namespace: string, name: string): string | null {
    return this.fireScheduledBackup(namespace, name, new Date(), false);
  }

  /** One iteration of a ScheduledBackup: its Backup, unless one it made is still under way; then the next is armed. */
  private fireScheduledBackup(namespace: string, name: string, at: Date, immediate: boolean): string | null {
    const scheduled = this.store.tryGet(this.scheduledBackupType, namespace, name);
    if (this.stopped || !scheduled) return null;
    const spec = (scheduled.spec ?? {}) as JsonObject;
    const underWay = this.store
      .list(this.backupType, namespace, parseLabelSelector(`${PARENT_SCHEDULED_BACKUP_LABEL}=${name}`))
      .some((backup) => !['completed', 'failed'].includes(String(((backup.status ?? {}) as JsonObject).phase)));
    let made: string | null = null;
    if (!underWay && spec.suspend !== true) {
      made = scheduledBackupName(name, at);
      const m = scheduled.metadata as JsonObject;
      const clusterName = String(((spec.cluster ?? {}) as JsonObject).name ?? '');
      const ownerReferences =
        spec.backupOwnerReference === 'self' ? [{ apiVersion: String(scheduled.apiVersion), kind: 'ScheduledBackup', name, uid: String(m.uid), controller: true, blockOwnerDeletion: true }] : undefined;
      const copied = Object.fromEntries(['method', 'online', 'onlineConfiguration', 'pluginConfiguration', 'target'].filter((key) => spec[key] !== undefined).map((key) => [key, spec[key]!]));
      this.store.create(
        this.backupType,
        namespace,
        {
          apiVersion: 'postgresql.cnpg.io/v1',
          kind: 'Backup',
          metadata: {
            name: made,
            namespace,
            labels: { [CLUSTER_LABEL]: clusterName, [IMMEDIATE_BACKUP_LABEL]: String(immediate), [PARENT_SCHEDULED_BACKUP_LABEL]: name },
            ...(ownerReferences ? { ownerReferences } : {}),
          },
          spec: { cluster: spec.cluster ?? null, ...copied },
        },
        { fieldManager: OPERATOR_FIELD_MANAGER },
      );
      this.store.patchStatus(this.scheduledBackupType, namespace, name, { status: { lastScheduleTime: seconds(at.toISOString()) } }, OPERATOR_FIELD_MANAGER);
    }
    this.armScheduledBackup(namespace, name, new Date(Math.max(at.getTime(), Date.now())));
    return made;
  }

  /** barman's id format (YYYYMMDDTHHMMSS, UTC), a second later than the server's previous one when they would clash. */
  private barmanBackupId(serverName: string): string {
    const format = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '');
    let at = Date.now();
    const previous = this.backupIds.get(serverName);
    while (previous !== undefined && format(at) <= previous) at += 1000;
    const id = format(at);
    this.backupIds.set(serverName, id);
    return id;
  }

  private secretNameOf(namespace: string, name: string): string | undefined {
    const secret = this.initdbOf(namespace, name).secret as JsonObject | undefined;
    return secret?.name === undefined ? undefined : String(secret.name);
  }

  private databaseOf(namespace: string, name: string, secret: JsonObject): SimulatedDatabase {
    const cluster = this.store.tryGet(this.clusterType, namespace, name);
    const spec = (cluster?.spec ?? {}) as JsonObject;
    const initdb = this.initdbOf(namespace, name);
    const data = (secret.data ?? {}) as Record<string, string>;
    const decode = (value: string | undefined) => Buffer.from(value ?? '', 'base64').toString('utf8');
    const parameters = (((spec.postgresql ?? {}) as JsonObject).parameters ?? {}) as Record<string, string>;
    const tag = String(spec.imageName ?? '').split(':').at(-1) ?? '';
    return {
      database: String(initdb.database ?? 'app'),
      owner: String(initdb.owner ?? decode(data.username)),
      password: decode(data.password),
      version: tag.split(/[.-]/)[0] ?? '',
      maxConnections: parameters.max_connections ? Number(parameters.max_connections) : null,
    };
  }

  private writeFailed(namespace: string, name: string, message: string): void {
    const cluster = this.store.tryGet(this.clusterType, namespace, name);
    const instances = Number(((cluster?.spec ?? {}) as JsonObject).instances ?? 1);
    this.writeStatus(namespace, name, { phase: PHASE_UNRECOVERABLE, instances, readyInstances: 0 }, { ready: false, message });
  }

  private writeStatus(namespace: string, name: string, fields: JsonObject, c: { ready: boolean; hibernated?: boolean; message?: string }): void {
    const cluster = this.store.tryGet(this.clusterType, namespace, name);
    if (!cluster) return;
    const t = this.track(namespace, name);
    const previous = (((cluster.status ?? {}) as JsonObject).conditions ?? []) as JsonObject[];
    const generation = Number((cluster.metadata as JsonObject).generation ?? 1);
    const conditions: JsonObject[] = [
      c.ready
        ? condition(previous, generation, 'Ready', 'True', 'ClusterIsReady', 'Cluster is Ready')
        : condition(previous, generation, 'Ready', 'False', 'ClusterIsNotReady', 'Cluster Is Not Ready'),
    ];
    if (c.hibernated) conditions.push(condition(previous, generation, HIBERNATION_ANNOTATION, 'True', 'Hibernated', 'Cluster has been hibernated'));
    if (t.archiving) conditions.push(archivingCondition(previous, generation, t.archiving));
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
          secretsResourceVersion: t.heldSecretVersion === null ? null : { applicationSecretVersion: t.heldSecretVersion },
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
    const disabled = new Set((managed?.disabledDefaultServices ?? []) as string[]);
    const ownerReferences = [{ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', name, uid: String(m.uid), controller: true, blockOwnerDeletion: true }];
    const roleSelector: Record<string, Record<string, string>> = {
      rw: { 'cnpg.io/cluster': name, 'cnpg.io/instanceRole': 'primary' },
      ro: { 'cnpg.io/cluster': name, 'cnpg.io/instanceRole': 'replica' },
      r: { 'cnpg.io/cluster': name, 'cnpg.io/podRole': 'instance' },
    };
    const ports = [{ name: 'postgres', port: POSTGRES_PORT, targetPort: POSTGRES_PORT, protocol: 'TCP' }];
    const services: JsonObject[] = [];
    for (const role of ['rw', 'ro', 'r']) {
      if (disabled.has(role)) continue;
      services.push({ metadata: { name: `${name}-${role}`, labels: { 'cnpg.io/cluster': name } }, spec: { type: 'ClusterIP', selector: roleSelector[role] ?? {}, ports } });
    }
    const lbPort = this.track(namespace, name).port;
    for (const extra of (managed?.additional ?? []) as JsonObject[]) {
      const template = (extra.serviceTemplate ?? {}) as JsonObject;
      const tm = (template.metadata ?? {}) as JsonObject;
      const ts = (template.spec ?? {}) as JsonObject;
      const lbPorts = ts.type === 'LoadBalancer' ? [{ ...ports[0], port: lbPort }] : ports;
      services.push({
        metadata: { ...tm, labels: { ...((tm.labels ?? {}) as JsonObject), 'cnpg.io/cluster': name } },
        spec: { ports: lbPorts, ...ts, selector: roleSelector[String(extra.selectorType)] ?? {} },
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

/** The barman-cloud plugin entry that is the Cluster's WAL archiver: its ObjectStore and serverName. */
function archiverParameters(cluster: JsonObject): { barmanObjectName: string; serverName: string } | null {
  const archiver = ((((cluster.spec ?? {}) as JsonObject).plugins ?? []) as JsonObject[]).find((p) => p.name === BARMAN_PLUGIN && p.isWALArchiver === true);
  const parameters = (archiver?.parameters ?? {}) as Record<string, string>;
  return parameters.barmanObjectName && parameters.serverName ? { barmanObjectName: parameters.barmanObjectName, serverName: parameters.serverName } : null;
}
