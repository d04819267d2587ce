import { describe, expect, it } from 'vitest';
import { clusterSpec } from '../../testing/fixtures.ts';
import { bytesOf, cpuCoresOf, podUsage } from './pod-metrics.ts';
import { cnpgSqlAccess } from './sql-access.ts';

describe('PodMetrics usage', () => {
  it('reads CPU quantities in cores and memory quantities in bytes', () => {
    expect([cpuCoresOf('250000000n'), cpuCoresOf('1500u'), cpuCoresOf('250m'), cpuCoresOf('2'), cpuCoresOf('x')]).toEqual([0.25, 0.0015, 0.25, 2, null]);
    expect([bytesOf('1024Ki'), bytesOf('1Gi'), bytesOf('5M'), bytesOf('1000'), bytesOf('1Zi')]).toEqual([1_048_576, 1_073_741_824, 5_000_000, 1000, null]);
  });

  it('sums the containers of a pod', () => {
    const metrics = { containers: [{ name: 'postgres', usage: { cpu: '12500000n', memory: '102400Ki' } }, { name: 'sidecar', usage: { cpu: '5m', memory: '1Mi' } }] };
    expect(podUsage(metrics)).toEqual({ cpuCores: 0.0175, memoryBytes: 102400 * 1024 + 1_048_576 });
    expect(podUsage({ containers: [] })).toEqual({});
  });
});

describe('the agent\'s SQL access to a CNPG cluster', () => {
  const spec = clusterSpec();
  it('is the -rw Service by its cluster DNS name from inside the cluster, as the app role, with no admin', () => {
    expect(cnpgSqlAccess({ route: 'service', namespace: 'orochi-cl-1', cnpgCluster: 'postgres-r1', spec, password: 'pw', endpoint: null })).toEqual({
      app: { host: 'postgres-r1-rw.orochi-cl-1.svc', port: 5432, database: spec.database, user: spec.username, password: 'pw' },
      admin: null,
    });
  });

  it('is the load balancer from outside it, and nothing until there is one', () => {
    expect(cnpgSqlAccess({ route: 'load-balancer', namespace: 'n', cnpgCluster: 'postgres', spec, password: 'pw', endpoint: { host: '203.0.113.7', port: 5432 } })?.app.host).toBe('203.0.113.7');
    expect(cnpgSqlAccess({ route: 'load-balancer', namespace: 'n', cnpgCluster: 'postgres', spec, password: 'pw', endpoint: null })).toBeNull();
  });
});
