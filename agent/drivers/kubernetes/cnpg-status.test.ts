import { describe, expect, it } from 'vitest';
import { FAILURE_PHASES, HEALTHY_PHASE, HIBERNATION_CONDITION, observeCnpgCluster, type CnpgClusterView } from './cnpg-status.ts';

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
    // The Service's postgres port, when it is not the default.
    const ported = { ...lb, spec: { ports: [{ name: 'metrics', port: 9187 }, { name: 'postgres', port: 6432 }] } };
    expect(observeCnpgCluster(cluster({ phase: HEALTHY_PHASE, readyInstances: 3 }), ported, 'running').endpoint).toEqual({ host: '203.0.113.7', port: 6432 });
  });

  it('waits for the instances to hold the password Secret as it is now', () => {
    const holding = (version: string) => cluster({ phase: HEALTHY_PHASE, readyInstances: 3, secretsResourceVersion: { applicationSecretVersion: version } });
    expect(observeCnpgCluster(holding('41'), lb, 'running', '42')).toMatchObject({ phase: 'updating', endpoint: null, message: 'Waiting for the instances to take the new password' });
    expect(observeCnpgCluster(holding('42'), lb, 'running', '42').phase).toBe('running');
    // An operator that does not report the version is not waited for.
    expect(observeCnpgCluster(cluster({ phase: HEALTHY_PHASE, readyInstances: 3 }), lb, 'running', '42').phase).toBe('running');
  });

  it('is sleeping when the hibernation condition says Hibernated, and waking when asked to run', () => {
    const hibernated = cluster({ phase: HEALTHY_PHASE, readyInstances: 3, conditions: [{ type: HIBERNATION_CONDITION, status: 'True', reason: 'Hibernated', message: 'Cluster Hibernated' }] });
    expect(observeCnpgCluster(hibernated, lb, 'sleeping')).toMatchObject({ phase: 'sleeping', readyInstances: 0, endpoint: null });
    expect(observeCnpgCluster(hibernated, lb, 'running').phase).toBe('waking');
    expect(observeCnpgCluster(cluster({ phase: HEALTHY_PHASE, readyInstances: 3 }), lb, 'sleeping').phase).toBe('updating');
  });

  it("surfaces the operator's failure message, deletion, and absence", () => {
    const unrecoverable = 'Cluster is unrecoverable and needs manual intervention';
    expect(FAILURE_PHASES.has(unrecoverable)).toBe(true);
    const failing = cluster({ phase: unrecoverable, phaseReason: 'initdb job failed: insufficient storage quota', readyInstances: 0 });
    expect(observeCnpgCluster(failing, lb, 'running')).toMatchObject({ phase: 'failed', message: `${unrecoverable}: initdb job failed: insufficient storage quota` });
    // A Ready=False condition alone is the operator at work (every cluster starts that way), not a failure.
    const starting = cluster({ phase: 'Setting up primary', readyInstances: 0, conditions: [{ type: 'Ready', status: 'False', reason: 'ClusterIsNotReady', message: 'Cluster Is Not Ready' }] });
    expect(observeCnpgCluster(starting, lb, 'running').phase).toBe('provisioning');
    expect(observeCnpgCluster(cluster({ phase: 'Waiting for user action', phaseReason: 'primary PVC missing', readyInstances: 0 }), lb, 'running')).toMatchObject({ phase: 'failed', message: 'Waiting for user action: primary PVC missing' });
    expect(observeCnpgCluster(cluster({ phase: HEALTHY_PHASE, readyInstances: 3 }, { instances: 3 }, { deletionTimestamp: '2026-11-21T00:00:00Z' }), lb, 'running').phase).toBe('deleting');
    expect(observeCnpgCluster(null, null, 'running').phase).toBe('deleted');
  });
});
