// A program written against the client swagger-typescript-api generates from /v1/openapi.json, as someone outside
// the project would write it: sign up, find the local region, create a cluster, wait until it runs, delete it, wait
// until it is deleted. e2e/openapi-client.test.ts generates ./api.ts next to a copy of this file, compiles both
// with tsc and runs this with the API's origin as its argument; it prints one JSON line per step.
import { Api, type Cluster, type Error as ErrorBody, type HttpResponse } from './api.ts';

const origin = process.argv[2];
if (!origin) throw new Error('usage: lifecycle.ts <api origin>');

let token: string | null = null;
const api = new Api<string>({
  baseUrl: origin,
  // Operations the document marks with the bearer scheme get the session's access token.
  securityWorker: (accessToken) => (accessToken ? { headers: { Authorization: `Bearer ${accessToken}` } } : {}),
});

const step = (name: string, fields: Record<string, unknown>) => console.log(JSON.stringify({ step: name, ...fields }));
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(id: string, status: Cluster['status'], timeoutMs: number): Promise<Cluster> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { data } = await api.v1.getClustersById(id);
    if (data.cluster.status === status) return data.cluster;
    if (data.cluster.status === 'failed') throw new Error(`cluster ${id} failed while waiting for ${status}`);
    if (Date.now() > deadline) throw new Error(`cluster ${id} was ${data.cluster.status}, not ${status}, after ${timeoutMs / 1000}s`);
    await pause(500);
  }
}

try {
  const email = `openapi-client-${Date.now()}@example.com`;
  const { data: account } = await api.v1.postAuthRegister({ email, password: 'generated client password' });
  token = account.access_token;
  api.setSecurityData(token);
  step('registered', { org_id: account.organization.id });

  const { data: regions } = await api.v1.getRegions({ org_id: account.organization.id });
  const local = regions.data.find((region) => region.driver === 'local' && region.status === 'online');
  if (!local) throw new Error(`no online local region among ${regions.data.map((r) => `${r.name} (${r.driver}, ${r.status})`).join(', ')}`);
  step('region', { region_id: local.id });

  const { data: created } = await api.v1.postClusters({ name: 'generated-client', region_id: local.id, password: 'generated-client-pw-1' });
  step('created', { cluster_id: created.cluster.id, status: created.cluster.status, operation_id: created.operation.id });

  const running = await until(created.cluster.id, 'running', 120_000);
  step('running', { cluster_id: running.id, host: running.endpoint?.host, port: running.endpoint?.port });

  const { data: deleting } = await api.v1.deleteClustersById(running.id);
  step('deleting', { status: deleting.cluster.status, operation_id: deleting.operation.id });

  const deleted = await until(running.id, 'deleted', 60_000);
  step('deleted', { cluster_id: deleted.id });
} catch (error) {
  // The generated client throws the whole response for a status outside 2xx; its `error` is the API's Error body.
  const response = error as Partial<HttpResponse<unknown, ErrorBody>>;
  if (response.error?.error) throw new Error(`${response.status} ${response.error.error.code}: ${response.error.error.message}`);
  throw error;
}
