import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { auditLog, regions } from '../../../../drizzle/schema.ts';
import { call, errorCode, signUp, withCatalog, type Account } from '../../../test/harness.ts';

interface KubernetesDocument {
  kind: string;
  metadata: { name: string };
  stringData?: Record<string, string>;
  rules?: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>;
  spec?: any;
}

async function createRegion(account: Account, driver: 'kubernetes' | 'local' = 'kubernetes') {
  const res = await call('POST', '/v1/regions', {
    token: account.token,
    body: { name: `k8s-${Math.random().toString(36).slice(2, 10)}`, provider: 'onprem', driver },
  });
  if (res.status !== 201) throw new Error(`region creation failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.region.id as string, token: res.body.registration_token as string, manifestUrl: res.body.install.manifest_url as string };
}

const download = (id: string, query: string) => call('GET', `/v1/regions/${id}/install.yaml?${query}`);

function parseStream(text: string): KubernetesDocument[] {
  return parseAllDocuments(text).map((document) => {
    expect(document.errors).toEqual([]);
    return document.toJS() as KubernetesDocument;
  });
}

describe('GET /v1/regions/{id}/install.yaml', () => {
  it("answers the agent's manifests for the region's registration token, uncached, and audits the download", async () => {
    const ada = await signUp();
    const region = await createRegion(ada);
    const res = await call('GET', new URL(region.manifestUrl).pathname + new URL(region.manifestUrl).search);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/yaml; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');

    const documents = parseStream(res.body);
    expect(documents.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual([
      'Namespace/orochi-system',
      'ServiceAccount/orochi-agent',
      'ClusterRole/orochi-agent',
      'ClusterRoleBinding/orochi-agent',
      'Secret/orochi-agent-registration',
      'PersistentVolumeClaim/orochi-agent-data',
      'Deployment/orochi-agent',
    ]);
    expect(documents[4]!.stringData).toEqual({ OROCHI_REGISTRATION_TOKEN: region.token });

    const deployment = documents[6]!;
    expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
    const container = deployment.spec.template.spec.containers[0];
    expect(container.image).toBe('ghcr.io/orochi-cloud/agent:0.1.0');
    expect(container.args).toEqual(['--driver', 'kubernetes']);
    expect(container.env).toEqual(
      expect.arrayContaining([
        { name: 'OROCHI_URL', value: 'http://localhost' },
        { name: 'OROCHI_AGENT_DATA_DIR', value: '/var/lib/orochi-agent' },
        {
          name: 'OROCHI_REGISTRATION_TOKEN',
          valueFrom: { secretKeyRef: { name: 'orochi-agent-registration', key: 'OROCHI_REGISTRATION_TOKEN' } },
        },
      ]),
    );

    const audited = await withCatalog((db) => db.select().from(auditLog).where(eq(auditLog.targetId, region.id)));
    expect(audited).toContainEqual(
      expect.objectContaining({ action: 'region.install_manifest_downloaded', orgId: ada.orgId, actorType: 'agent', actorId: region.id }),
    );
    expect(JSON.stringify(audited)).not.toContain(region.token);
  });

  it('grants the agent only the resources the kubernetes driver manages, never a wildcard', async () => {
    const region = await createRegion(await signUp());
    const clusterRole = parseStream((await download(region.id, `token=${region.token}`)).body).find((d) => d.kind === 'ClusterRole')!;
    const granted = clusterRole.rules!.flatMap((rule) => rule.apiGroups.flatMap((group) => rule.resources.map((resource) => `${group}/${resource}`)));
    expect(new Set(granted)).toEqual(
      new Set([
        '/namespaces',
        '/secrets',
        '/services',
        '/events',
        'networking.k8s.io/networkpolicies',
        'postgresql.cnpg.io/clusters',
        'postgresql.cnpg.io/clusters/status',
        'postgresql.cnpg.io/backups',
        'postgresql.cnpg.io/scheduledbackups',
        'barmancloud.cnpg.io/objectstores',
        // Observability: the instance pods' exporter and log, and their usage from the metrics API, read-only.
        '/pods/proxy',
        '/pods/log',
        'metrics.k8s.io/pods',
      ]),
    );
    const observability = clusterRole.rules!.filter((rule) => rule.resources.some((r) => r.startsWith('pods')));
    expect(observability.every((rule) => rule.verbs.join() === 'get')).toBe(true);
    const verbs = clusterRole.rules!.flatMap((rule) => rule.verbs);
    expect(verbs.every((verb) => ['get', 'list', 'watch', 'create', 'patch', 'delete'].includes(verb))).toBe(true);
    expect(JSON.stringify(clusterRole.rules)).not.toContain('*');
  });

  it('uses a valid ?image= and refuses a malformed one with 400', async () => {
    const region = await createRegion(await signUp());
    const image = 'registry.example.com:5000/orochi/agent:1.2.3';
    const ok = await download(region.id, `token=${region.token}&image=${encodeURIComponent(image)}`);
    expect(ok.status).toBe(200);
    expect(parseStream(ok.body)[6]!.spec.template.spec.containers[0].image).toBe(image);

    for (const bad of ['Upper/Case', 'agent:1.0; rm -rf /', 'agent:', '', 'a b']) {
      const res = await download(region.id, `token=${region.token}&image=${encodeURIComponent(bad)}`);
      expect([bad, res.status, errorCode(res)]).toEqual([bad, 400, 'validation_failed']);
    }
  });

  it('refuses a missing token with 400, a wrong one and an unknown region alike with 401', async () => {
    const region = await createRegion(await signUp());
    const missing = await call('GET', `/v1/regions/${region.id}/install.yaml`);
    expect([missing.status, errorCode(missing)]).toEqual([400, 'validation_failed']);

    const wrong = await download(region.id, 'token=ort_not-the-token');
    const unknown = await download('rg_00000000000000000000000000', `token=${region.token}`);
    expect([wrong.status, errorCode(wrong)]).toEqual([401, 'unauthorized']);
    expect([unknown.status, errorCode(unknown)]).toEqual([401, 'unauthorized']);
    expect(unknown.body.error.message).toBe(wrong.body.error.message);

    const other = await createRegion(await signUp());
    const crossed = await download(region.id, `token=${other.token}`);
    expect([crossed.status, errorCode(crossed)]).toEqual([401, 'unauthorized']);
  });

  it('refuses a token the agent already spent, an expired one and a replaced one', async () => {
    const used = await createRegion(await signUp());
    const registered = await call('POST', '/v1/agent/register', { body: { registration_token: used.token } });
    expect(registered.status).toBe(200);
    const afterUse = await download(used.id, `token=${used.token}`);
    expect([afterUse.status, errorCode(afterUse)]).toEqual([401, 'unauthorized']);

    const expired = await createRegion(await signUp());
    await withCatalog((db) => db.update(regions).set({ registrationExpiresAt: new Date(Date.now() - 1000) }).where(eq(regions.id, expired.id)));
    const afterExpiry = await download(expired.id, `token=${expired.token}`);
    expect([afterExpiry.status, errorCode(afterExpiry)]).toEqual([401, 'unauthorized']);

    const ada = await signUp();
    const replaced = await createRegion(ada);
    const reissued = await call('POST', `/v1/regions/${replaced.id}/registration-token`, { token: ada.token });
    expect(reissued.status).toBe(201);
    expect((await download(replaced.id, `token=${replaced.token}`)).status).toBe(401);
    expect((await download(replaced.id, `token=${reissued.body.registration_token}`)).status).toBe(200);
  });

  it('refuses the token of a deleted region with 401', async () => {
    const ada = await signUp();
    const region = await createRegion(ada);
    expect((await call('DELETE', `/v1/regions/${region.id}`, { token: ada.token })).status).toBe(204);
    const res = await download(region.id, `token=${region.token}`);
    expect([res.status, errorCode(res)]).toEqual([401, 'unauthorized']);
  });

  it('is in the OpenAPI document under regions, as YAML, with no user security', async () => {
    const doc = await call('GET', '/v1/openapi.json');
    const operation = doc.body.paths['/v1/regions/{id}/install.yaml'].get;
    expect(operation.tags).toEqual(['regions']);
    expect(operation.security).toEqual([]);
    expect(Object.keys(operation.responses['200'].content)).toEqual(['application/yaml']);
    expect(operation.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['id', 'image', 'token']);
  });

  it('answers 409 for a valid token of a local-driver region', async () => {
    const region = await createRegion(await signUp(), 'local');
    const res = await download(region.id, `token=${region.token}`);
    expect([res.status, errorCode(res)]).toEqual([409, 'conflict']);
    expect(res.body.error.message).toContain('local driver');
  });
});
