// The agent's command line and environment: flags win over OROCHI_* variables, which win over defaults.
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import type { AgentOptions } from './agent.ts';
import { DEFAULT_BUCKET, parseObjectStoreEnvironment, type ObjectStoreConfig } from './backup/object-store.ts';
import type { BackupStoreOptions } from './drivers/kubernetes/backup-manifests.ts';
import type { RenderOptions } from './drivers/kubernetes/manifests.ts';
import { enginePreference } from './drivers/local/local-driver.ts';
import { parseLogLevel } from './log.ts';

export const USAGE = `Usage: npm run agent -- --url <control plane URL> [--token <registration token>] [--data-dir <dir>]
                       [--driver local|kubernetes] [--kubeconfig <file>] [--storage-class <name>] [--image-repository <repository>]
                       [--backup-secret <namespace>/<name>] [--backup-endpoint <url>] [--metrics-from <cidr>[,<cidr>...]]

  --url        the control plane, e.g. http://127.0.0.1:8787            (OROCHI_URL)
  --token      one-time registration token, needed until registered     (OROCHI_REGISTRATION_TOKEN)
  --data-dir   state, templates and local clusters; default .orochi/agent (OROCHI_AGENT_DATA_DIR)
  --driver     local (the default) or kubernetes (CloudNativePG clusters) (OROCHI_DRIVER)
  --kubeconfig the kubernetes driver's kubeconfig; default KUBECONFIG, else the pod's service account
  --storage-class, --image-repository: the kubernetes driver's data volumes and PostgreSQL images
  --backup-secret   kubernetes: the Secret with ACCESS_KEY_ID and ACCESS_SECRET_KEY of the region's object store,
                    copied into each cluster's namespace for CloudNativePG's barman-cloud plugin (OROCHI_K8S_BACKUP_SECRET);
                    without it the kubernetes driver's clusters archive nothing
  --backup-endpoint kubernetes: the object store's S3 URL as the PostgreSQL pods reach it; default OROCHI_S3_ENDPOINT
                    (OROCHI_K8S_BACKUP_ENDPOINT). Bucket, prefix and region are OROCHI_S3_BUCKET, _PREFIX and _REGION.
  --metrics-from    kubernetes: the API server's address ranges (CIDR, comma separated), let through each cluster's
                    NetworkPolicy to the metrics exporter on 9187 that the agent reads through the pod proxy
                    (OROCHI_K8S_METRICS_FROM); without it 9187 stays closed to everything the CNI polices
  --log-level  debug | info | warn | error; default info                 (OROCHI_LOG_LEVEL)
  --stop-on-stdin-close  stop gracefully when stdin ends: for a supervisor that keeps a pipe open to the agent
The local driver runs native PostgreSQL when installed (OROCHI_PG_BIN names a bin directory), else PGlite;
OROCHI_LOCAL_ENGINE=native|pglite forces one. Run as root, it runs Postgres as the OS user postgres
(OROCHI_PG_OS_USER names another).
Backups go to the S3-compatible store named by OROCHI_S3_ENDPOINT (environment only: it holds credentials), with
OROCHI_S3_BUCKET (orochi-backups), OROCHI_S3_REGION (us-east-1), OROCHI_S3_ACCESS_KEY_ID and
OROCHI_S3_SECRET_ACCESS_KEY (else the AWS SDK's credential chain), OROCHI_S3_FORCE_PATH_STYLE (true),
OROCHI_S3_SSE (AES256 | aws:kms | off) and OROCHI_S3_PREFIX; without OROCHI_S3_ENDPOINT backups are off.

       npm run agent -- render --driver kubernetes [--file cluster.json] [--storage-class <name>]
                       [--namespace-prefix <prefix>] [--image-repository <repository>] [--metrics-from <cidr>[,<cidr>...]]
                       [--backup-secret <namespace>/<name> --backup-endpoint <url> [--backup-bucket <bucket>]
                        [--backup-prefix <prefix>] [--backup-region <region>]]
  Prints, as YAML, the objects the kubernetes driver would apply for the cluster described by the JSON in
  --file (or on stdin): { "cluster_id", "generation", "spec", "password"? }, or a cluster as
  GET /v1/clusters/{id} returns it. With the --backup-* flags, as the agent's, the backup objects too.`;

export class UsageError extends Error {}

/** IPv4 or IPv6 address ranges in CIDR notation, comma separated; undefined when not given. */
function cidrList(flag: string, value: string | undefined): string[] | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const cidrs = value.split(',').map((part) => part.trim());
  for (const cidr of cidrs) {
    const [address, bits, extra] = cidr.split('/');
    const v4 = /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$/.test(address ?? '');
    const v6 = !v4 && /^[0-9a-f:]+$/i.test(address ?? '') && (address ?? '').includes(':');
    const prefix = Number(bits);
    if (extra !== undefined || !(v4 || v6) || !/^\d{1,3}$/.test(bits ?? '') || prefix > (v4 ? 32 : 128)) {
      throw new UsageError(`--${flag}: ${JSON.stringify(cidr)} is not an address range in CIDR notation (e.g. 10.96.0.1/32)`);
    }
  }
  return cidrs;
}

export interface AgentCommandLine extends AgentOptions {
  /** Stop when stdin ends (the supervising process went away). */
  stopOnStdinClose: boolean;
}

export function parseCommandLine(argv: string[], env: NodeJS.ProcessEnv): AgentCommandLine | 'help' {
  const values = parseFlags(argv, {
    url: { type: 'string' },
    token: { type: 'string' },
    'data-dir': { type: 'string' },
    driver: { type: 'string' },
    kubeconfig: { type: 'string' },
    'storage-class': { type: 'string' },
    'image-repository': { type: 'string' },
    'backup-secret': { type: 'string' },
    'backup-endpoint': { type: 'string' },
    'metrics-from': { type: 'string' },
    'log-level': { type: 'string' },
    'stop-on-stdin-close': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return 'help';
  const url = values.url ?? env.OROCHI_URL;
  if (!url) throw new UsageError('--url (or OROCHI_URL) is required');
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error();
  } catch {
    throw new UsageError(`--url must be an http(s) URL, not ${JSON.stringify(url)}`);
  }
  const driver = values.driver ?? env.OROCHI_DRIVER ?? 'local';
  if (driver !== 'local' && driver !== 'kubernetes') throw new UsageError(`--driver ${driver}: the drivers are local and kubernetes`);
  for (const flag of ['kubeconfig', 'storage-class', 'image-repository', 'backup-secret', 'backup-endpoint', 'metrics-from'] as const) {
    if (values[flag] === '') throw new UsageError(`--${flag} must not be empty`);
    if (values[flag] !== undefined && driver !== 'kubernetes') throw new UsageError(`--${flag} is for --driver kubernetes`);
  }
  const render: RenderOptions = {};
  if (values['storage-class'] !== undefined) render.storageClass = values['storage-class'];
  if (values['image-repository'] !== undefined) render.imageRepository = values['image-repository'];
  let localEngine;
  let objectStore;
  try {
    localEngine = enginePreference(env.OROCHI_LOCAL_ENGINE);
    objectStore = parseObjectStoreEnvironment(env);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (driver === 'kubernetes') {
    const backupStore = backupStoreOptions(
      { secret: values['backup-secret'] ?? env.OROCHI_K8S_BACKUP_SECRET, endpoint: values['backup-endpoint'] ?? env.OROCHI_K8S_BACKUP_ENDPOINT },
      objectStore,
    );
    if (backupStore) render.backupStore = backupStore;
    const metricsFrom = cidrList('metrics-from', values['metrics-from'] ?? env.OROCHI_K8S_METRICS_FROM);
    if (metricsFrom) render.metricsFrom = metricsFrom;
  }
  return {
    url,
    registrationToken: values.token ?? env.OROCHI_REGISTRATION_TOKEN ?? null,
    dataDir: values['data-dir'] ?? env.OROCHI_AGENT_DATA_DIR ?? '.orochi/agent',
    driver,
    ...(driver === 'kubernetes' ? { kubernetes: { kubeconfig: values.kubeconfig ?? null, render } } : {}),
    localEngine,
    objectStore,
    logLevel: parseLogLevel(values['log-level'] ?? env.OROCHI_LOG_LEVEL),
    stopOnStdinClose: values['stop-on-stdin-close'] === true,
  };
}

export interface RenderCommandLine {
  driver: 'kubernetes';
  /** The JSON input; null reads stdin. */
  file: string | null;
  options: RenderOptions;
}

/** `render`'s own flags (argv after the word `render`). */
export function parseRenderCommandLine(argv: string[]): RenderCommandLine | 'help' {
  const values = parseFlags(argv, {
    driver: { type: 'string' },
    file: { type: 'string', short: 'f' },
    'storage-class': { type: 'string' },
    'namespace-prefix': { type: 'string' },
    'image-repository': { type: 'string' },
    'backup-secret': { type: 'string' },
    'backup-endpoint': { type: 'string' },
    'backup-bucket': { type: 'string' },
    'backup-prefix': { type: 'string' },
    'backup-region': { type: 'string' },
    'metrics-from': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return 'help';
  // Only the kubernetes driver has manifests; the local driver runs servers on this machine instead.
  const driver = values.driver ?? 'kubernetes';
  if (driver !== 'kubernetes') throw new UsageError(`render --driver ${driver}: only the kubernetes driver renders manifests`);
  const options: RenderOptions = {};
  const nonEmpty = (flag: string, value: string | undefined): string | undefined => {
    if (value === '') throw new UsageError(`--${flag} must not be empty`);
    return value;
  };
  const storageClass = nonEmpty('storage-class', values['storage-class']);
  const namespacePrefix = nonEmpty('namespace-prefix', values['namespace-prefix']);
  const imageRepository = nonEmpty('image-repository', values['image-repository']);
  if (storageClass !== undefined) options.storageClass = storageClass;
  if (namespacePrefix !== undefined) options.namespacePrefix = namespacePrefix;
  if (imageRepository !== undefined) options.imageRepository = imageRepository;
  const backupStore = backupStoreOptions(
    {
      secret: nonEmpty('backup-secret', values['backup-secret']),
      endpoint: nonEmpty('backup-endpoint', values['backup-endpoint']),
      bucket: nonEmpty('backup-bucket', values['backup-bucket']),
      prefix: values['backup-prefix'],
      region: nonEmpty('backup-region', values['backup-region']),
    },
    null,
  );
  if (backupStore) options.backupStore = backupStore;
  const metricsFrom = cidrList('metrics-from', nonEmpty('metrics-from', values['metrics-from']));
  if (metricsFrom) options.metricsFrom = metricsFrom;
  return { driver: 'kubernetes', file: nonEmpty('file', values.file) ?? null, options };
}

/**
 * The kubernetes driver's object store, on when a credentials Secret is named: the endpoint as the pods reach it
 * (else the agent's own), and the bucket, prefix and region given or the agent's (OROCHI_S3_*).
 */
function backupStoreOptions(
  given: { secret: string | undefined; endpoint: string | undefined; bucket?: string; prefix?: string; region?: string },
  agentStore: ObjectStoreConfig | null,
): BackupStoreOptions | undefined {
  const extra = given.endpoint ?? given.bucket ?? given.prefix ?? given.region;
  if (given.secret === undefined) {
    if (extra !== undefined) throw new UsageError('--backup-secret names the object store\'s credentials; the other --backup-* flags need it');
    return undefined;
  }
  const match = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/.exec(given.secret);
  if (!match) throw new UsageError(`--backup-secret must be <namespace>/<name>, not ${JSON.stringify(given.secret)}`);
  const endpointURL = given.endpoint ?? agentStore?.endpoint;
  if (!endpointURL) throw new UsageError('--backup-secret needs --backup-endpoint (or OROCHI_S3_ENDPOINT): where the PostgreSQL pods reach the object store');
  try {
    if (!/^https?:$/.test(new URL(endpointURL).protocol)) throw new Error();
  } catch {
    throw new UsageError(`--backup-endpoint must be an http(s) URL, not ${JSON.stringify(endpointURL)}`);
  }
  const prefix = given.prefix ?? agentStore?.prefix ?? '';
  if (prefix !== '' && !prefix.endsWith('/')) throw new UsageError(`--backup-prefix must be empty or end with '/', not ${JSON.stringify(prefix)}`);
  const region = given.region ?? agentStore?.region;
  return {
    endpointURL,
    bucket: given.bucket ?? agentStore?.bucket ?? DEFAULT_BUCKET,
    prefix,
    ...(region ? { region } : {}),
    credentialsSecret: { namespace: match[1]!, name: match[3]! },
  };
}

/** Strict flag parsing; a bad command line is a UsageError (exit 2), whichever command it was for. */
function parseFlags<const T extends ParseArgsOptionsConfig>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
