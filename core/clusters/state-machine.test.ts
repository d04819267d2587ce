import { describe, expect, it } from 'vitest';
import type { AgentStatus } from '../../protocol/agent.ts';
import { applyReport, desiredStateAfter, healthOf, refuseAction, statusWhileRunning, type ClusterSnapshot } from './state-machine.ts';

const report = (over: Partial<AgentStatus>): AgentStatus => ({
  type: 'status',
  cluster_id: 'cl_x',
  observed_generation: 1,
  phase: 'running',
  ready_instances: 1,
  instances: 1,
  endpoint: { host: '127.0.0.1', port: 5433 },
  message: '',
  at: new Date().toISOString(),
  ...over,
});

const creating: ClusterSnapshot = {
  status: 'provisioning',
  generation: 1,
  observedGeneration: 0,
  desiredState: 'running',
  operation: { id: 'op_create', generation: 1, action: 'create' },
};

describe('cluster state machine', () => {
  it('shows the in-flight status of each action', () => {
    expect(statusWhileRunning('create', 'running')).toBe('provisioning');
    expect(statusWhileRunning('wake', 'running')).toBe('waking');
    expect(statusWhileRunning('delete', 'running')).toBe('deleting');
    expect(statusWhileRunning('sleep', 'running')).toBe('updating');
    expect(statusWhileRunning('resize', 'running')).toBe('updating');
    expect(desiredStateAfter('sleep', 'running')).toBe('sleeping');
    expect(desiredStateAfter('rotate_password', 'sleeping')).toBe('sleeping');
    expect(desiredStateAfter('delete', 'sleeping')).toBe('deleted');
  });

  it('finishes a create when the region reports running at its generation', () => {
    const out = applyReport(creating, report({}));
    expect(out.cluster).toMatchObject({ status: 'running', health: 'healthy', observedGeneration: 1, endpoint: { port: 5433 } });
    expect(out.operation).toEqual({ id: 'op_create', status: 'finished', error: null });
  });

  it('keeps the operation running on progress reports', () => {
    const out = applyReport(creating, report({ phase: 'provisioning', ready_instances: 0, endpoint: null }));
    expect(out.cluster?.status).toBe('provisioning');
    expect(out.cluster?.health).toBe('unknown');
    expect(out.operation?.status).toBe('running');
  });

  it('fails the operation when the region reports failure at its generation', () => {
    const out = applyReport(creating, report({ phase: 'failed', message: 'initdb failed', endpoint: null, ready_instances: 0 }));
    expect(out.cluster).toMatchObject({ status: 'failed', health: 'unhealthy' });
    expect(out.operation).toEqual({ id: 'op_create', status: 'failed', error: 'initdb failed' });
  });

  it('does not let a report about an older generation finish a newer operation or change the status', () => {
    const sleeping: ClusterSnapshot = { status: 'updating', generation: 3, observedGeneration: 2, desiredState: 'sleeping', operation: { id: 'op_sleep', generation: 3, action: 'sleep' } };
    const out = applyReport(sleeping, report({ observed_generation: 2, phase: 'running' }));
    expect(out.cluster?.status).toBe('updating');
    expect(out.operation).toBeNull();
    const done = applyReport(sleeping, report({ observed_generation: 3, phase: 'sleeping', endpoint: null, ready_instances: 0 }));
    expect(done.cluster?.status).toBe('sleeping');
    expect(done.cluster?.endpoint).toBeNull();
    expect(done.operation?.status).toBe('finished');
  });

  it('ignores reports older than what was already observed', () => {
    const out = applyReport({ ...creating, generation: 4, observedGeneration: 4, status: 'running', operation: null }, report({ observed_generation: 3 }));
    expect(out).toEqual({ cluster: null, operation: null });
  });

  it('finishes a delete only on phase deleted', () => {
    const deleting: ClusterSnapshot = { status: 'deleting', generation: 2, observedGeneration: 1, desiredState: 'deleted', operation: { id: 'op_del', generation: 2, action: 'delete' } };
    expect(applyReport(deleting, report({ observed_generation: 2, phase: 'deleting', endpoint: null })).operation?.status).toBe('running');
    const gone = applyReport(deleting, report({ observed_generation: 2, phase: 'deleted', endpoint: null, ready_instances: 0 }));
    expect(gone.cluster?.status).toBe('deleted');
    expect(gone.operation?.status).toBe('finished');
  });

  it('grades health by ready instances', () => {
    expect(healthOf('running', 3, 3)).toBe('healthy');
    expect(healthOf('running', 1, 3)).toBe('degraded');
    expect(healthOf('running', 0, 3)).toBe('unhealthy');
    expect(healthOf('sleeping', 0, 1)).toBe('unknown');
  });

  it('refuses actions the current state does not allow', () => {
    expect(refuseAction('sleep', 'sleeping', 'sleeping')).toMatch(/already sleeping/);
    expect(refuseAction('wake', 'running', 'running')).toMatch(/already awake/);
    expect(refuseAction('wake', 'failed', 'running')).toBeNull();
    expect(refuseAction('resize', 'sleeping', 'sleeping')).toMatch(/Wake/);
    expect(refuseAction('delete', 'sleeping', 'sleeping')).toBeNull();
    expect(refuseAction('update', 'deleting', 'deleted')).toMatch(/deleted/);
    expect(refuseAction('sleep', 'running', 'running')).toBeNull();
  });
});

describe('background operations', () => {
  it('a backup keeps the cluster as it is and ends with its own report, not the cluster status', () => {
    expect(statusWhileRunning('backup', 'running')).toBe('running');
    expect(refuseAction('backup', 'sleeping', 'sleeping')).toBe('Wake the cluster first');
    expect(refuseAction('backup', 'provisioning', 'running')).toMatch(/needs the cluster running/);
    expect(refuseAction('backup', 'running', 'running')).toBeNull();
    const backingUp: ClusterSnapshot = { status: 'running', generation: 4, observedGeneration: 3, desiredState: 'running', operation: { id: 'op_bk', generation: 4, action: 'backup' } };
    const outcome = applyReport(backingUp, { type: 'status', cluster_id: 'cl_x', observed_generation: 4, phase: 'running', ready_instances: 1, instances: 1, endpoint: null, message: '', at: '' });
    expect(outcome.operation).toBeNull();
    expect(outcome.cluster?.status).toBe('running');
    const failed = applyReport(backingUp, { type: 'status', cluster_id: 'cl_x', observed_generation: 4, phase: 'failed', ready_instances: 0, instances: 1, endpoint: null, message: 'disk full', at: '' });
    expect(failed.operation).toMatchObject({ status: 'failed', error: 'disk full' });
  });
});
