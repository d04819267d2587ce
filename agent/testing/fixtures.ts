// Shared by the agent's tests: specs and commands, a log that collects its lines, temporary directories.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_BACKUP_SPEC, type ClusterSpec, type Command } from '../../protocol/agent.ts';
import { createLogger, type Logger } from '../log.ts';

export function clusterSpec(overrides: Partial<ClusterSpec> = {}): ClusterSpec {
  return {
    name: 'test',
    org_id: 'org_test',
    project_id: 'prj_test',
    engine: 'postgres',
    version: '17',
    tier: 'dedicated',
    size: 'small',
    instances: 1,
    storage_gb: 10,
    settings: {},
    state: 'running',
    backups: DEFAULT_BACKUP_SPEC,
    database: 'app',
    username: 'app',
    password_sealed: 'v1.unused.unused',
    source: null,
    restore: null,
    ...overrides,
  };
}

let commandCounter = 0;

export function command(
  clusterId: string,
  regionId: string,
  generation: number,
  spec: ClusterSpec,
  action: Command['action'] = 'create',
): Command {
  return {
    type: 'command',
    command_id: `cmd_${++commandCounter}_${generation}`,
    cluster_id: clusterId,
    region_id: regionId,
    operation_id: `op_${commandCounter}`,
    generation,
    action,
    spec,
    issued_at: new Date().toISOString(),
  };
}

export interface CollectingLogger extends Logger {
  lines: string[];
}

/** A logger that keeps its lines (to assert on, and to check no secret reached them) instead of printing. */
export function collectingLogger(): CollectingLogger {
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', write: (line) => lines.push(line) });
  return Object.assign(logger, { lines });
}

export async function tempDir(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `orochi-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Polls `check` until it returns a value (not undefined/false) or the time is up. */
export async function waitFor<T>(check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
