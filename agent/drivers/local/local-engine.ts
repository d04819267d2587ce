// The two ways the local driver runs a cluster's server (native PostgreSQL, or PGlite behind the wire
// server), and the on-disk layout they share: `<data-dir>/clusters/<cluster_id>/`.
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { ClusterSpec } from '../../../protocol/agent.ts';
import type { RoleChanges } from './cluster-sql.ts';

export type EngineKind = 'native' | 'pglite';

export interface EngineStart {
  port: number;
  /** The data was initialised by this call. */
  created: boolean;
  /** The server was not running and now is. */
  started: boolean;
  /** A running server was restarted to take a setting (max_connections). */
  restarted: boolean;
  role: RoleChanges;
  /** The connection limit in force and the one before, or null when the engine has none of its own. */
  maxConnections: number | null;
  previousMaxConnections: number | null;
}

export interface LocalEngine {
  readonly kind: EngineKind;
  /** For people: "native PostgreSQL 15.20", "PGlite 0.5.14 (PostgreSQL 18.6)". */
  label(): Promise<string>;
  major(): Promise<number>;
  /** Makes the engine's template ready, so the next create only copies it. */
  prepare(): Promise<void>;
  hasData(clusterId: string): Promise<boolean>;
  /** The port of the cluster's server when it is up and accepting connections, else null. */
  runningPort(clusterId: string): Promise<number | null>;
  ensureRunning(clusterId: string, spec: ClusterSpec, password: string, preferredPort: number | null): Promise<EngineStart>;
  /** Stops the server, keeping the data. True when it was running. */
  stop(clusterId: string): Promise<boolean>;
  /** Stops the server and removes the data. True when there was something to remove. */
  remove(clusterId: string): Promise<boolean>;
  /** Stops every server of this engine (the agent is exiting). */
  stopAll(): Promise<void>;
  /** A full, consistent copy of the running cluster's data as a tar stream, with the WAL span it covers. */
  baseBackup(clusterId: string): Promise<BaseBackupStream>;
}

/** Where the WAL stood (an LSN and the server's clock) when a backup began or ended. */
export interface WalPoint {
  lsn: string | null;
  time: string;
  /** The server's timeline then; null for engines without WAL of their own to restore from. */
  timeline?: number | null;
}

export interface BaseBackupStream {
  /** The archive (tar); consume it fully before awaiting `done`. */
  archive: Readable;
  begin: WalPoint;
  /** Resolves once the archive is complete and consistent (with the WAL point it ends at); rejects on failure. */
  done: Promise<WalPoint>;
}

// Cluster ids come from the control plane and become paths that are later removed recursively: only plain
// names are accepted.
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export function clusterDir(dataDir: string, clusterId: string): string {
  if (!SAFE_ID.test(clusterId)) throw new Error(`refusing cluster id ${JSON.stringify(clusterId)}: not a plain name`);
  return join(dataDir, 'clusters', clusterId);
}
