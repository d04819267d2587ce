// The agent end to end on the kubernetes driver, against the fake control plane and the Kubernetes API server
// stand-in with its simulated CloudNativePG operator: a create reported as it converges, an agent restarted in the
// middle of it picking up where it was, a hand edit of the Cluster put back, sleep, and delete.
import { KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { startAgent, type RunningAgent } from './agent.ts';
import { namespaceFor } from './drivers/kubernetes/manifests.ts';
import { FakeControlPlane } from './testing/fake-control-plane.ts';
import { collectingLogger, tempDir, waitFor } from './testing/fixtures.ts';
import { startKubeApiServerStandIn, type JsonObject, type KubeApiServerStandIn } from './testing/kube-apiserver/index.ts';

let cp: FakeControlPlane;
let kube: KubeApiServerStandIn;
let dir: Awaited<ReturnType<typeof tempDir>>;
let kubeconfig: string;
const agents: RunningAgent[] = [];

beforeEach(async () => {
  cp = await new FakeControlPlane().start();
  // Slow enough that the agent can be stopped while the operator is still at work.
  kube = await startKubeApiServerStandIn({ operator: { stepDelayMs: 150 } });
  dir = await tempDir('agent-kubernetes');
  kubeconfig = join(dir.path, 'kubeconfig');
  await writeFile(kubeconfig, kube.kubeconfig());
});

afterEach(async () => {
  for (const agent of agents.splice(0)) await agent.stop();
  await kube.stop();
  await cp.stop();
  await dir.remove();
});

test('create (with a restart mid-create), drift put back, sleep and delete a cluster on the kubernetes driver', async () => {
  const log = collectingLogger();
  const start = async (token: string | null) => {
    const agent = await startAgent({
      url: cp.url,
      registrationToken: token,
      dataDir: join(dir.path, 'agent'),
      driver: 'kubernetes',
      kubernetes: { kubeconfig },
      logger: log,
      checkIntervalMs: 0,
      followIntervalMs: 5000,
      reconnect: { baseMs: 20, capMs: 200 },
    });
    agents.push(agent);
    await agent.waitForConnection(10_000);
    return agent;
  };
  const agent = await start(cp.registrationToken());
  const namespace = namespaceFor('cl_kube');

  cp.send(await cp.command('cl_kube', 1, 'app-password-1', { instances: 2 }));
  await cp.waitFor('status', (s) => s.observed_generation === 1 && s.phase === 'provisioning', 10_000);
  expect(cp.messages('status').some((s) => s.phase === 'running')).toBe(false);
  await agent.stop();
  agents.length = 0;

  // The operator goes on without the agent; the restarted agent observes, and its watch follows to running.
  await start(null);
  const running = await cp.waitFor('status', (s) => s.observed_generation === 1 && s.phase === 'running', 20_000);
  expect(running).toMatchObject({ instances: 2, ready_instances: 2, endpoint: { host: '127.0.0.1', port: 5432 } });
  expect(cp.messages('event').filter((e) => e.event_type === 'created')).toHaveLength(1);

  // Someone scales the Cluster by hand: the watch tells the agent, which puts back what the control plane asked for.
  const kc = new KubeConfig();
  kc.loadFromString(kube.kubeconfig());
  const edit = { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'postgres', namespace }, spec: { instances: 4 } };
  await KubernetesObjectApi.makeApiClient(kc).patch(edit as KubernetesObject, undefined, undefined, 'kubectl-edit', true, PatchStrategy.ServerSideApply);
  const instancesNow = () => ((kube.objects().find((o) => o.kind === 'Cluster' && (o.metadata as JsonObject).namespace === namespace)?.spec ?? {}) as JsonObject).instances;
  await waitFor(() => instancesNow() === 2, 10_000, 'spec.instances back to 2');
  await cp.waitFor('event', (e) => e.event_type === 'updated', 10_000);
  await cp.waitFor('status', (s) => s.observed_generation === 1 && s.phase === 'running' && s.ready_instances === 2, 20_000);

  cp.send(await cp.command('cl_kube', 2, 'app-password-1', { instances: 2, state: 'sleeping' }, 'sleep'));
  await cp.waitFor('status', (s) => s.observed_generation === 2 && s.phase === 'sleeping', 20_000);

  cp.send(await cp.command('cl_kube', 3, 'app-password-1', { state: 'deleted' }, 'delete'));
  await cp.waitFor('status', (s) => s.observed_generation === 3 && s.phase === 'deleted', 20_000);
  expect(kube.objects().some((o) => (o.metadata as JsonObject).name === namespace || (o.metadata as JsonObject).namespace === namespace)).toBe(false);
  expect(log.lines.join('\n')).not.toContain('app-password-1');
}, 60_000);
