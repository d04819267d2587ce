import { describe, expect, it } from 'vitest';
import { agentMessageSchema, commandSchema, controlMessageSchema } from './agent.ts';

const command = {
  type: 'command',
  command_id: 'cmd_1',
  cluster_id: 'cl_1',
  region_id: 'rg_1',
  operation_id: 'op_1',
  generation: 2,
  action: 'sleep',
  spec: {
    name: 'db',
    org_id: 'org_1',
    project_id: 'prj_1',
    engine: 'postgres',
    version: '17',
    tier: 'dedicated',
    size: 'dev',
    instances: 1,
    storage_gb: 10,
    settings: {},
    state: 'sleeping',
    database: 'app',
    username: 'app',
    password_sealed: 'v1.aaa.bbb',
  },
  issued_at: '2026-11-21T00:00:00.000Z',
};

describe('agent protocol', () => {
  it('accepts the messages each side sends', () => {
    expect(controlMessageSchema.parse(command).type).toBe('command');
    expect(controlMessageSchema.parse({ type: 'resync', commands: [command], known_cluster_ids: ['cl_1'] }).type).toBe('resync');
    expect(controlMessageSchema.parse({ type: 'ping', id: 'p1', at: command.issued_at }).type).toBe('ping');
    expect(agentMessageSchema.parse({ type: 'hello', protocol: 1, agent_version: '0.1.0', driver: 'local', clusters: [{ cluster_id: 'cl_1', generation: 1 }] }).type).toBe('hello');
    expect(agentMessageSchema.parse({ type: 'ack', command_id: 'cmd_1' }).type).toBe('ack');
    expect(
      agentMessageSchema.parse({
        type: 'status', cluster_id: 'cl_1', observed_generation: 2, phase: 'sleeping', ready_instances: 0, instances: 1, endpoint: null, message: '', at: command.issued_at,
      }).type,
    ).toBe('status');
  });

  it('rejects malformed and unknown messages', () => {
    expect(commandSchema.safeParse({ ...command, generation: 0 }).success).toBe(false);
    expect(commandSchema.safeParse({ ...command, action: 'explode' }).success).toBe(false);
    expect(commandSchema.safeParse({ ...command, spec: { ...command.spec, instances: 9 } }).success).toBe(false);
    expect(commandSchema.safeParse({ ...command, spec: { ...command.spec, state: 'paused' } }).success).toBe(false);
    expect(agentMessageSchema.safeParse({ type: 'status', cluster_id: 'cl_1' }).success).toBe(false);
    expect(agentMessageSchema.safeParse(command).success).toBe(false);
    expect(controlMessageSchema.safeParse({ type: 'hello' }).success).toBe(false);
    expect(agentMessageSchema.safeParse('not an object').success).toBe(false);
  });

  it('never carries a plaintext password field', () => {
    expect(Object.keys(commandSchema.shape.spec.shape)).not.toContain('password');
  });
});
