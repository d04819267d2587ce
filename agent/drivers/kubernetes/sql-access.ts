// How the agent itself connects to a CloudNativePG cluster (health probes, SQL, schema, insights), as the app role.
// Inside the Kubernetes cluster, where a region's agent is installed (agent/helm), it is the Cluster's `-rw` Service
// by its cluster DNS name, port 5432: CNPG keeps that Service pointed at the primary, and it is the address CNPG
// documents for applications running in the cluster. An agent run from outside (a kubeconfig on a workstation, or
// the tests' API server stand-in, whose instances are local servers) cannot resolve cluster DNS or reach ClusterIPs;
// it goes the way a user's client does, through the cluster's LoadBalancer endpoint.
// No admin connection: the Cluster is rendered with enableSuperuserAccess false (manifests.ts), so CNPG makes no
// `<name>-superuser` Secret, and the agent reads what the app role, the database's owner, may see.
import type { ClusterSpec, Endpoint } from '../../../protocol/agent.ts';
import type { SqlAccess } from '../driver.ts';
import { POSTGRES_PORT } from './manifests.ts';

/** `service`: the -rw Service's cluster DNS name (an agent in the cluster); `load-balancer`: the cluster's endpoint. */
export type SqlRoute = 'service' | 'load-balancer';

export function cnpgSqlAccess(options: {
  route: SqlRoute;
  namespace: string;
  cnpgCluster: string;
  spec: ClusterSpec;
  password: string;
  endpoint: Endpoint | null;
}): SqlAccess | null {
  const { spec, password } = options;
  const address = options.route === 'service' ? { host: `${options.cnpgCluster}-rw.${options.namespace}.svc`, port: POSTGRES_PORT } : options.endpoint;
  if (!address) return null;
  return { app: { host: address.host, port: address.port, database: spec.database, user: spec.username, password }, admin: null };
}
