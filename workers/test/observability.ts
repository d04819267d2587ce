// Test helpers for the observability routes: a running cluster whose region has a connected fake agent, and that
// agent's side of the `request`/`response` exchange.
import { auditLog } from '../../drizzle/schema.ts';
import { and, eq } from 'drizzle-orm';
import type { AgentResponse } from '../../protocol/agent.ts';
import { greetedAgent, regionWithAgent, type AgentSocket } from './agents.ts';
import { createCluster, report } from './clusters.ts';
import { signUp, withCatalog, type Account, type ApiResponse } from './harness.ts';

export interface AgentHeldCluster {
  account: Account;
  regionId: string;
  clusterId: string;
  agent: AgentSocket;
}

/** A new account with a region of its own, the region's agent connected, and a cluster the agent reports running. */
export async function clusterWithAgent(account?: Account): Promise<AgentHeldCluster> {
  const owner = account ?? (await signUp());
  const { regionId, credential } = await regionWithAgent(owner);
  const { agent } = await greetedAgent(credential);
  const created = await createCluster(owner, regionId);
  if (created.status !== 202) throw new Error(`cluster creation failed: ${created.status} ${JSON.stringify(created.body)}`);
  const clusterId = created.body.cluster.id as string;
  await report(regionId, clusterId, { phase: 'running' });
  return { account: owner, regionId, clusterId, agent };
}

export interface ReceivedRequest {
  id: string;
  cluster_id: string;
  kind: string;
  payload: Record<string, any>;
}

/** The next `request` frame the agent receives. */
export async function nextRequest(agent: AgentSocket, timeoutMs = 5000): Promise<ReceivedRequest> {
  return (await agent.next('request', timeoutMs)) as unknown as ReceivedRequest;
}

/** Answers a request as the agent would. */
export function answer(agent: AgentSocket, request: ReceivedRequest, response: Omit<AgentResponse, 'type' | 'id'>): void {
  agent.send({ type: 'response', id: request.id, ...response });
}

/**
 * Sends an API call that the agent must answer: waits for its request, checks its kind, answers with `response`
 * and returns both the request as the agent saw it and the API's answer.
 */
export async function answered(
  agent: AgentSocket,
  apiCall: Promise<ApiResponse>,
  kind: string,
  response: Omit<AgentResponse, 'type' | 'id'>,
): Promise<{ request: ReceivedRequest; res: ApiResponse }> {
  const asked = nextRequest(agent).catch((error: unknown) => error as Error);
  const first = await Promise.race([asked, apiCall]);
  if (first instanceof Error) throw first;
  if (!('kind' in first)) throw new Error(`answered before the agent was asked: ${first.status} ${JSON.stringify(first.body)}`);
  const request = first;
  if (request.kind !== kind) throw new Error(`the agent was asked ${request.kind}, not ${kind}`);
  answer(agent, request, response);
  return { request, res: await apiCall };
}

/** The audit rows of a cluster with this action, oldest first. */
export async function auditRows(clusterId: string, action: string) {
  return withCatalog((db) => db.select().from(auditLog).where(and(eq(auditLog.targetId, clusterId), eq(auditLog.action, action))).orderBy(auditLog.id));
}
