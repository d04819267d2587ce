// The region agent, assembled: state file, credentials, the control-plane connection, the reconciler and the
// driver. `startAgent` is the programmatic entry (agent/main.ts, `npm start` and the e2e tests use it);
// it returns once the agent is running, and keeps connecting in the background for as long as it runs.
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { PROTOCOL_VERSION, type ControlMessage } from '../protocol/agent.ts';
import type { BackoffOptions } from '../protocol/backoff.ts';
import { BACKUPS_NOT_CONFIGURED, describeObjectStore, ObjectStore, type ObjectStoreConfig } from './backup/object-store.ts';
import { WalArchive } from './backup/wal-archive.ts';
import { serverUser } from './drivers/local/server-user.ts';
import { AgentConnection } from './connection.ts';
import { AgentCredentials } from './credentials.ts';
import { claimDataDir } from './data-dir-lock.ts';
import type { ClusterDriver } from './drivers/driver.ts';
import { KubernetesDriver, loadKubeConfig } from './drivers/kubernetes/kubernetes-driver.ts';
import type { RenderOptions } from './drivers/kubernetes/manifests.ts';
import { LocalDriver, type EnginePreference } from './drivers/local/local-driver.ts';
import { createLogger, errorMessage, type Logger, type LogLevel } from './log.ts';
import { Reconciler } from './reconciler.ts';
import { RequestDispatcher } from './requests/dispatcher.ts';
import { Telemetry } from './telemetry/telemetry.ts';
import { StateStore } from './state-store.ts';
import { AGENT_VERSION } from './version.ts';

export interface AgentOptions {
  /** The control plane's base URL, e.g. http://127.0.0.1:8787. */
  url: string;
  /** One-time registration token; needed until the agent holds a credential. */
  registrationToken?: string | null;
  /** Where state.json, templates and local clusters live. */
  dataDir: string;
  /** `local` (the default), `kubernetes`, or a driver object (tests). */
  driver?: 'local' | 'kubernetes' | ClusterDriver;
  /** The kubernetes driver's kubeconfig file (else KUBECONFIG, else in-cluster) and rendering options. */
  kubernetes?: { kubeconfig?: string | null; render?: RenderOptions };
  /** The local driver's engine; default OROCHI_LOCAL_ENGINE, else native when installed. */
  localEngine?: EnginePreference;
  /** Where backups go (OROCHI_S3_*); absent or null: backups are not configured in this region. */
  objectStore?: ObjectStoreConfig | null;
  logger?: Logger;
  logLevel?: LogLevel;
  /** Reconnect delays: full jitter, doubling from base to cap. Default 250 ms to 30 s. */
  reconnect?: BackoffOptions;
  /** No message for this long means a dead connection. Default 60 s. */
  idleTimeoutMs?: number;
  /** A connection open this long resets the reconnect delay. Default 10 s. */
  healthyAfterMs?: number;
  /** Messages kept while disconnected. Default 1000. */
  maxQueuedMessages?: number;
  /** Clusters converging at once. Default 4. */
  concurrency?: number;
  /** Retry delays of a failed apply. Default 2 s to 60 s. */
  applyRetry?: BackoffOptions;
  /** Drift check interval. Default 30 s; 0 turns it off. */
  checkIntervalMs?: number;
  /** How often a cluster still converging (an operator at work) is observed again. Default 1 s. */
  followIntervalMs?: number;
  /** Fraction of the credential's lifetime after which it is renewed. Default 0.8. */
  renewAfter?: number;
  /** How often running clusters are sampled and probed. Default 10 s and 30 s (OBSERVABILITY_LIMITS). */
  metricsIntervalMs?: number;
  healthIntervalMs?: number;
}

export interface RunningAgent {
  readonly dataDir: string;
  regionId(): string | null;
  connected(): boolean;
  /** Resolves when connected to the control plane; rejects after `timeoutMs`. */
  waitForConnection(timeoutMs?: number): Promise<void>;
  /** Resolves when no cluster is converging. */
  idle(): Promise<void>;
  /** Stops taking commands, lets applies in progress finish, disconnects, stops the local servers, saves state. */
  stop(): Promise<void>;
}

export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const dataDir = resolve(options.dataDir);
  const log = options.logger ?? createLogger({ level: options.logLevel ?? 'info' });
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const release = await claimDataDir(dataDir);
  let state: StateStore;
  try {
    state = await StateStore.open(dataDir);
  } catch (error) {
    await release();
    throw error;
  }
  const credentials = new AgentCredentials({
    url: options.url,
    registrationToken: options.registrationToken ?? null,
    state,
    log: log.child({ part: 'credentials' }),
    backoff: options.reconnect ?? { baseMs: 250, capMs: 30_000 },
    renewAfter: options.renewAfter,
  });
  if (!credentials.usable) {
    await release();
    throw new Error(`no credential in ${state.path} and no registration token: pass --token or set OROCHI_REGISTRATION_TOKEN`);
  }
  // Backups go straight from the data plane to the region's object store; without one, a backup asked for fails saying so.
  const objectStore = options.objectStore ? new ObjectStore(options.objectStore) : null;
  let reconciler: Reconciler | null = null;
  let walArchive: WalArchive | null = null;
  let driver: ClusterDriver;
  try {
    // Local servers archive their WAL through the agent (backup/wal-archive.ts), which holds the store's credentials.
    const localDriver = !options.driver || options.driver === 'local';
    if (localDriver && objectStore && (await curlAvailable(log))) {
      walArchive = await WalArchive.start({
        store: objectStore,
        dataDir,
        log: log.child({ part: 'wal-archive' }),
        owner: await serverUser().catch(() => null),
        onArchived: (clusterId) => reconciler?.windowChanged(clusterId),
      });
    }
    driver =
      options.driver === 'kubernetes'
        ? new KubernetesDriver({
            kubeConfig: loadKubeConfig(options.kubernetes?.kubeconfig),
            log: log.child({ part: 'driver' }),
            render: options.kubernetes?.render,
          })
        : options.driver && options.driver !== 'local'
          ? options.driver
          : new LocalDriver({
              dataDir,
              log: log.child({ part: 'driver' }),
              engine: options.localEngine,
              archive: objectStore ? { store: objectStore, wal: walArchive } : null,
            });
  } catch (error) {
    await walArchive?.close();
    objectStore?.close();
    await release();
    throw error;
  }

  let accepting = true;
  // The reconciler reports through the connection, which is built after it: messages go through this hop.
  let connection: AgentConnection | null = null;
  let telemetry: Telemetry | null = null;
  reconciler = new Reconciler({
    backups: objectStore ? { sink: objectStore } : { unavailable: BACKUPS_NOT_CONFIGURED },
    state,
    driver,
    send: (message) => {
      connection?.send(message);
      // A cluster that just started running (a create, a wake) is sampled and probed now, not at the next tick.
      if (message.type === 'status') telemetry?.nudge(message.cluster_id);
    },
    log: log.child({ part: 'reconciler' }),
    concurrency: options.concurrency,
    retry: options.applyRetry,
    checkIntervalMs: options.checkIntervalMs,
    followIntervalMs: options.followIntervalMs,
  });

  telemetry = new Telemetry({
    clusters: reconciler,
    driver,
    send: (message) => connection?.send(message),
    log: log.child({ part: 'telemetry' }),
    metricsIntervalMs: options.metricsIntervalMs,
    healthIntervalMs: options.healthIntervalMs,
  });
  const requests = new RequestDispatcher({ clusters: reconciler, driver, logs: telemetry, log: log.child({ part: 'requests' }) });
  const observing = telemetry;

  const handle = async (message: ControlMessage): Promise<void> => {
    if (!accepting) return; // not acked: the control plane sends it again to the next run
    switch (message.type) {
      case 'command': {
        const outcome = await reconciler.submit(message);
        if (outcome !== 'foreign') connection?.send({ type: 'ack', command_id: message.command_id });
        return;
      }
      case 'resync': {
        for (const command of message.commands) {
          const outcome = await reconciler.submit(command);
          if (outcome !== 'foreign') connection?.send({ type: 'ack', command_id: command.command_id });
        }
        reconciler.reportOrphans(message.known_cluster_ids);
        return;
      }
      case 'request':
        // Not awaited: one slow statement must not hold up the messages behind it.
        void requests.handle(message).then(
          (response) => connection?.send(response),
          (error: unknown) => connection?.send({ type: 'response', id: message.id, ok: false, code: 'internal', error: errorMessage(error).slice(0, 2000) }),
        );
        return;
      case 'ping':
        connection?.send({ type: 'pong', id: message.id });
        return;
    }
  };

  connection = new AgentConnection({
    url: options.url,
    credentials,
    log: log.child({ part: 'connection' }),
    backoff: options.reconnect ?? { baseMs: 250, capMs: 30_000 },
    idleTimeoutMs: options.idleTimeoutMs ?? 60_000,
    healthyAfterMs: options.healthyAfterMs ?? 10_000,
    maxQueued: options.maxQueuedMessages ?? 1000,
    hello: () => ({
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      agent_version: AGENT_VERSION,
      driver: driver.kind,
      clusters: reconciler.appliedGenerations(),
    }),
    resend: () => [...reconciler.latestStatuses(), ...reconciler.latestBackupReports(), ...reconciler.latestRestoreWindows()],
    onMessage: handle,
  });
  const conn = connection;

  log.info('agent starting', {
    version: AGENT_VERSION,
    url: options.url,
    data_dir: dataDir,
    driver: driver.kind,
    region_id: state.data.region_id,
    clusters: Object.keys(state.data.clusters).length,
  });
  if (options.objectStore) log.info('backups configured', { store: describeObjectStore(options.objectStore), sse: options.objectStore.sse });
  else log.warn(BACKUPS_NOT_CONFIGURED);
  reconciler.resume();
  observing.start();
  conn.start();
  // Templates are made while the agent waits for its first command, not during it.
  const preparing = (driver.prepare?.() ?? Promise.resolve()).catch((error: unknown) =>
    log.warn('preparing the driver failed; the first create will try again', { error: errorMessage(error) }),
  );

  let stopping: Promise<void> | null = null;
  return {
    dataDir,
    regionId: () => state.data.region_id,
    connected: () => conn.connected,
    async waitForConnection(timeoutMs = 30_000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the agent did not connect within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([conn.whenConnected(), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    idle: () => reconciler.idle(),
    stop() {
      stopping ??= (async () => {
        log.info('agent stopping');
        accepting = false;
        await preparing;
        await observing.stop();
        await requests.close();
        await reconciler.stop();
        credentials.stop();
        await walArchive?.close();
        objectStore?.close();
        await conn.stop();
        try {
          await driver.shutdown();
        } catch (error) {
          log.error('stopping local servers failed', { error: errorMessage(error) });
        }
        await state.commit();
        await release();
        log.info('agent stopped');
      })();
      return stopping;
    },
  };
}

/**
 * Servers archive their WAL with curl; without it the agent still takes and restores full backups, and says why
 * point-in-time restore is off rather than letting every server's archiver fail.
 */
async function curlAvailable(log: Logger): Promise<boolean> {
  try {
    await promisify(execFile)('curl', ['--version'], { timeout: 10_000 });
    return true;
  } catch {
    log.error('curl is not installed: native PostgreSQL clusters will not archive WAL, so only their full backups can be restored (install curl and restart the agent)');
    return false;
  }
}
