import { describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { auditLog } from '../../../../drizzle/schema.ts';
import { call, joinOrg, signUp, withCatalog } from '../../../test/harness.ts';
import { createCluster, report, seedRegion } from '../../../test/clusters.ts';

describe('GET /v1/clusters/{id}/connection and password rotation', () => {
  it('gives every format, with the password only when revealed by a role that may see it', async () => {
    const ada = await signUp();
    const region = await seedRegion();
    const { body } = await createCluster(ada, region, { password: 'p@ss word/with:odd#chars'.replace(' ', '_') });
    const id = body.cluster.id;
    const early = await call('GET', `/v1/clusters/${id}/connection`, { token: ada.token });
    expect(early.status).toBe(409);
    await report(region, id, { phase: 'running', endpoint: { host: '127.0.0.1', port: 6001 } });

    const hidden = await call('GET', `/v1/clusters/${id}/connection`, { token: ada.token });
    expect(hidden.body).toMatchObject({ format: 'uri', host: '127.0.0.1', port: 6001, database: 'app', username: 'app', password: null });
    expect(hidden.body.value).toBe('postgresql://app@127.0.0.1:6001/app');

    const uri = await call('GET', `/v1/clusters/${id}/connection?reveal=true`, { token: ada.token });
    expect(uri.body.password).toBe('p@ss_word/with:odd#chars');
    expect(uri.body.value).toBe(`postgresql://app:${encodeURIComponent('p@ss_word/with:odd#chars')}@127.0.0.1:6001/app`);
    expect(uri.headers.get('cache-control')).toBe('no-store');
    for (const [format, expected] of [
      ['psql', /^psql 'postgresql:\/\/app:.+@127\.0\.0\.1:6001\/app'$/],
      ['env', /PGHOST=127\.0\.0\.1\nPGPORT=6001\nPGDATABASE=app\nPGUSER=app\nPGPASSWORD=p@ss_word/],
      ['node', /new pg\.Client\(\{ connectionString: "postgresql:/],
      ['python', /psycopg\.connect\("postgresql:/],
    ] as const) {
      const res = await call('GET', `/v1/clusters/${id}/connection?format=${format}&reveal=true`, { token: ada.token });
      expect(res.body.value).toMatch(expected);
    }
    expect((await call('GET', `/v1/clusters/${id}/connection?format=jdbc`, { token: ada.token })).status).toBe(400);
    const audited = await withCatalog((db) => db.select().from(auditLog).where(eq(auditLog.targetId, id)));
    expect(audited.filter((a) => a.action === 'cluster.password_revealed').length).toBe(5);

    const viewer = await joinOrg(ada, ada.orgId, 'viewer');
    expect((await call('GET', `/v1/clusters/${id}/connection`, { token: viewer.token })).status).toBe(200);
  });

  it('rotates to a given or generated password, returned once, and revealed afterwards', async () => {
    const ada = await signUp();
    const region = await seedRegion();
    const { body } = await createCluster(ada, region);
    const id = body.cluster.id;
    await report(region, id, { phase: 'running' });
    const rotated = await call('POST', `/v1/clusters/${id}/password/rotate`, { token: ada.token });
    expect(rotated.status).toBe(202);
    expect(rotated.body.operation.action).toBe('rotate_password');
    expect(rotated.body.password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    await report(region, id, { observed_generation: 2, phase: 'running' });
    const revealed = await call('GET', `/v1/clusters/${id}/connection?reveal=true`, { token: ada.token });
    expect(revealed.body.password).toBe(rotated.body.password);

    const chosen = await call('POST', `/v1/clusters/${id}/password/rotate`, { token: ada.token, body: { password: 'my-own-long-password' } });
    expect(chosen.body.password).toBe('my-own-long-password');
    const weak = await call('POST', `/v1/clusters/${id}/password/rotate`, { token: ada.token, body: { password: 'weak' } });
    expect(weak.status).toBe(400);
  });
});
