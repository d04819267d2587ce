import { describe, expect, it } from 'vitest';
import { HEALTHY_PHASE, HIBERNATION_CONDITION, observeCnpgCluster, type CnpgClusterView } from './cnpg-status.ts';

const lb = { status: { loadBalancer: { ingress: [{ ip: '203.0.113.7' }] } } };
const cluster = (over: CnpgClusterView['status'], spec = { instances: 3 }, metadata = {}): CnpgClusterView => ({ metadata, spec, status: over });

describe('CloudNativePG status mapping', () => {
  it('is running only when healthy, every instance ready, not hibernated, with a load balancer address', () => {
    expect(observeCnpgCluster(cluster({ phase: HEALTHY_PHASE, readyInstances: 3 }), lb, 'running')).toMatchObject({
      phase: 'running',
      readyInstances: 3,
      endpoint: { host: '203.0.113.7', port: 5432 },
    });
    expect(observeCnpgCluster(cluster({ phase: HEALTHY_PHASE, readyInstances: 2 }), lb, 'running').phase).toBe('updating');
    expect(observeCnpgCluster(cluster({ phase: HEALTHY_PHASE, readyInstances: 3 }), null, 'running').phase).toBe('provisioning');
    expect(observeCnpgCluster(cluster({ phase: 'Setting up primary', readyInstances: 0 }), lb, 'running')).toMatchObject({ phase: 'provisioning', message: 'Setting up primary' });
    const hostname = { status: { loadBalancer: { ingress: [{ hostname: 'pg.example.net' }] } } };
    expect(observeCnpgCluster(cluster({ phase: HEALTHY_PHASE, readyInstances: 3 }), hostname, 'running').endpoint).toEqual({ host: 'pg.example.net', port: 5432 });
  });

  it('is sleeping when the hibernation condition says Hibernated, and waking when asked to run', () => {
    const hibernated = cluster({ phase: HEALTHY_PHASE, readyInstances: 3, conditions: [{ type: HIBERNATION_CONDITION, status: 'True', reason: 'Hibernated', message: 'Cluster Hibernated' }] });
    expect(observeCnpgCluster(hibernated, lb, 'sleeping')).toMatchObject({ phase: 'sleeping', readyInstances: 0, endpoint: null });
    expect(observeCnpgCluster(hibernated, lb, 'running').phase).toBe('waking');
    expect(observeCnpgCluster(cluster({ phase: HEALTHY_PHASE, readyInstances: 3 }), lb, 'sleeping').phase).toBe('updating');
  });

  it("surfaces the operator's failure message, deletion, and absence", () => {
    const failing = cluster({ phase: 'Setting up primary', readyInstances: 0, conditions: [{ type: 'Ready', status: 'False', reason: 'ReconciliationFailed', message: 'insufficient storage quota' }] });
    expect(observeCnpgCluster(failing, lb, 'running')).toMatchObject({ phase: 'failed', message: 'insufficient storage quota' });
    expect(observeCnpgCluster(cluster({ phase: HEALTHY_PHASE, readyInstances: 3 }, { instances: 3 }, { deletionTimestamp: '2026-11-21T00:00:00Z' }), lb, 'running').phase).toBe('deleting');
    expect(observeCnpgCluster(null, null, 'running').phase).toBe('deleted');
  });
});
