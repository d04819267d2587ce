// The realtime events as a discriminated union: each type with its own payload, anything else refused.
import { describe, expect, it } from 'vitest';
import { publishedMessageSchema, realtimeEventSchema, serverMessageSchema, type RealtimeEvent } from './realtime.ts';
import type { Cluster, Operation } from './resources.ts';

const at = '2026-11-21T12:00:00.000Z';
const cluster: Cluster = {
  id: 'cl_1',
  org_id: 'org_1',
  project_id: 'prj_1',
  name: 'orders',
  engine: 'postgres',
  version: '17',
  region_id: 'rg_1',
  tier: 'dedicated',
  size: 'dev',
  instances: 1,
  ready_instances: 1,
  storage_gb: 10,
  status: 'running',
  health: 'healthy',
  status_message: null,
  endpoint: { host: '127.0.0.1', port: 5432 },
  database: 'app',
  username: 'app',
  generation: 2,
  observed_generation: 2,
  settings: {},
  parent_id: null,
  source: null,
  created_at: at,
  updated_at: at,
};
const operation: Operation = {
  id: 'op_1',
  cluster_id: 'cl_1',
  action: 'resize',
  status: 'finished',
  generation: 2,
  error: null,
  status_message: null,
  created_at: at,
  updated_at: at,
  duration_ms: 1200,
};

const events: RealtimeEvent[] = [
  { type: 'cluster.status', cluster },
  { type: 'operation.updated', operation },
  { type: 'cluster.event', event: { id: 'ev_1', cluster_id: 'cl_1', type: 'status', message: 'Status changed', created_at: at } },
  { type: 'metrics.update', cluster_id: 'cl_1', at, values: { connections_active: 4, cpu_percent: 12.5 } },
  { type: 'log.entry', cluster_id: 'cl_1', at, level: 'warning', message: 'checkpoints are occurring too frequently', sqlstate: null },
  { type: 'health.probe', cluster_id: 'cl_1', at, ok: true, latency_ms: 1.5, error: null },
];

describe('realtime events', () => {
  it('accepts every event type with its own payload, as sent', () => {
    for (const event of events) expect(realtimeEventSchema.parse(event)).toEqual(event);
  });

  it('refuses an unknown type, a missing type and a payload of another type', () => {
    const refused: unknown[] = [
      { type: 'cluster.deleted', cluster },
      { cluster },
      { type: 'cluster.status', operation },
      { type: 'operation.updated', cluster },
      { type: 'cluster.status', cluster: { id: 'cl_1', status: 'running' } },
      { type: 'cluster.status', cluster: { ...cluster, status: 'exploded' } },
      { type: 'cluster.status', cluster: { ...cluster, updated_at: 'yesterday' } },
      { type: 'metrics.update', cluster_id: 'cl_1', at, values: { connections_active: 'four' } },
      { type: 'metrics.update', cluster_id: 'cl_1', at, values: { made_up_series: 1 } },
      { type: 'log.entry', cluster_id: 'cl_1', at, level: 'shout', message: 'x' },
    ];
    for (const event of refused) expect([event, realtimeEventSchema.safeParse(event).success]).toEqual([event, false]);
  });

  it('drops fields the type does not have, so a payload cannot carry a channel of its own', () => {
    const parsed = realtimeEventSchema.parse({ type: 'cluster.status', cluster, channel: 'org:org_other' });
    expect(parsed).toEqual({ type: 'cluster.status', cluster });
  });

  it('reads a published frame as its event plus the channel it came on', () => {
    const frame = { type: 'operation.updated', operation, channel: 'cluster:cl_1' };
    expect(publishedMessageSchema.parse(frame)).toEqual(frame);
    expect(serverMessageSchema.parse(frame)).toEqual(frame);
    expect(publishedMessageSchema.safeParse({ type: 'operation.updated', operation }).success).toBe(false);
    expect(publishedMessageSchema.safeParse({ ...frame, channel: 'project:prj_1' }).success).toBe(false);
    for (const channel of ['metrics:cl_1', 'logs:cl_1']) expect(publishedMessageSchema.parse({ ...frame, channel }).channel).toBe(channel);
  });
});
