import { createRoute } from '@hono/zod-openapi';
import { db, meta } from '../../../context.ts';
import { audit } from '../../../../core/audit.ts';
import { requireClusterAccess } from '../../../../core/clusters/access.ts';
import { unseal } from '../../../../protocol/sealing.ts';
import { ApiError, errorResponses } from '../../../../core/errors.ts';
import { requirePermission } from '../../../../core/identity/rbac.ts';
import { requireAuth } from '../../../middleware/authenticate.ts';
import { clusterParamsSchema, connectionQuerySchema, connectionSchema } from '../../../schemas/clusters.ts';
import { defineRoute } from '../../define-route.ts';

const route = createRoute({
  method: 'get',
  path: '/v1/clusters/{id}/connection',
  tags: ['clusters'],
  summary: 'How to connect',
  description: 'A connection string or snippet (uri, psql, env, node, python). The password is included only with reveal=true, for roles that may see it; each reveal is audited.',
  security: [{ bearer: [] }],
  request: { params: clusterParamsSchema, query: connectionQuerySchema },
  responses: {
    200: { description: 'Connection details', content: { 'application/json': { schema: connectionSchema } } },
    ...errorResponses(400, 401, 403, 404, 409),
  },
});

interface Parts {
  host: string;
  port: number;
  database: string;
  username: string;
  password: string | null;
}

export function connectionUri(p: Parts): string {
  const auth = p.password === null ? encodeURIComponent(p.username) : `${encodeURIComponent(p.username)}:${encodeURIComponent(p.password)}`;
  return `postgresql://${auth}@${p.host}:${p.port}/${encodeURIComponent(p.database)}`;
}

export function renderConnection(format: 'uri' | 'psql' | 'env' | 'node' | 'python', p: Parts): string {
  const uri = connectionUri(p);
  switch (format) {
    case 'uri':
      return uri;
    case 'psql':
      return `psql '${uri}'`;
    case 'env':
      return [
        `DATABASE_URL=${uri}`,
        `PGHOST=${p.host}`,
        `PGPORT=${p.port}`,
        `PGDATABASE=${p.database}`,
        `PGUSER=${p.username}`,
        ...(p.password === null ? [] : [`PGPASSWORD=${p.password}`]),
      ].join('\n');
    case 'node':
      return `import pg from 'pg';\n\nconst client = new pg.Client({ connectionString: ${JSON.stringify(uri)} });\nawait client.connect();\nconsole.log((await client.query('select version()')).rows[0]);\nawait client.end();`;
    case 'python':
      return `import psycopg\n\nwith psycopg.connect(${JSON.stringify(uri)}) as conn:\n    print(conn.execute("select version()").fetchone())`;
  }
}

export const clusterConnection = defineRoute(route, async (c) => {
  const principal = requireAuth(c);
  const { id } = c.req.valid('param');
  const { format, reveal } = c.req.valid('query');
  const { cluster, role } = await requireClusterAccess(db(c), principal, id, 'clusters:read');
  if (!cluster.endpointHost || !cluster.endpointPort) {
    throw new ApiError('conflict', `The cluster has no endpoint while it is ${cluster.status}`);
  }
  let password: string | null = null;
  if (reveal) {
    requirePermission(role, 'clusters:reveal_password');
    password = await unseal(c.var.settings.ENCRYPTION_KEY, cluster.passwordCiphertext!);
    await audit(db(c), meta(c), { orgId: cluster.orgId, action: 'cluster.password_revealed', targetType: 'cluster', targetId: cluster.id });
    c.header('Cache-Control', 'no-store');
  }
  const parts = { host: cluster.endpointHost, port: cluster.endpointPort, database: cluster.databaseName, username: cluster.username, password };
  return c.json({ format, ...parts, value: renderConnection(format, parts) }, 200);
});
