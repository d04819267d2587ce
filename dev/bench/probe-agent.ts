// A measuring agent for the benchmarks: it registers a region and speaks the agent protocol like the real
// agent, but applies nothing. It timestamps each command it receives and can send status reports on demand,
// so dispatch and fan-out latency are measured without any driver's work in the way.
import WebSocket from 'ws';
import { PROTOCOL_VERSION, controlMessageSchema, type AgentMessage, type AgentStatus, type Command } from '../../protocol/agent.ts';

export interface ProbeAgent {
  regionId: string;
  /** Resolves when the command for this cluster arrives, with the time it arrived (performance.now()). */
  nextCommand(clusterId: string): Promise<{ command: Command; at: number }>;
  report(status: Omit<AgentStatus, 'type' | 'at'>): void;
  /** Sends any agent message as it is (metrics, health, logs ...). */
  send(message: AgentMessage): void;
  close(): Promise<void>;
}

export async function startProbeAgent(url: string, registrationToken: string): Promise<ProbeAgent> {
  const registered = await fetch(`${url}/v1/agent/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ registration_token: registrationToken, agent_version: 'bench-probe' }),
  });
  if (!registered.ok) throw new Error(`probe registration failed: ${registered.status} ${await registered.text()}`);
  const { region_id: regionId, credential } = (await registered.json()) as { region_id: string; credential: string };

  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/agent/connect`, { headers: { authorization: `Bearer ${credential}` } });
  const arrived = new Map<string, { command: Command; at: number }>();
  const waiting = new Map<string, (value: { command: Command; at: number }) => void>();
  ws.on('message', (data: Buffer) => {
    const at = performance.now();
    const parsed = controlMessageSchema.safeParse(JSON.parse(data.toString()));
    if (!parsed.success) return;
    const message = parsed.data;
    const commands = message.type === 'command' ? [message] : message.type === 'resync' ? message.commands : [];
    if (message.type === 'ping') ws.send(JSON.stringify({ type: 'pong', id: message.id }));
    for (const command of commands) {
      ws.send(JSON.stringify({ type: 'ack', command_id: command.command_id }));
      const resolve = waiting.get(command.cluster_id);
      if (resolve) {
        waiting.delete(command.cluster_id);
        resolve({ command, at });
      } else {
        arrived.set(command.cluster_id, { command, at });
      }
    }
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, agent_version: 'bench-probe', driver: 'local', clusters: [] }));

  return {
    regionId,
    nextCommand(clusterId) {
      const early = arrived.get(clusterId);
      if (early) {
        arrived.delete(clusterId);
        return Promise.resolve(early);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(clusterId);
          reject(new Error(`no command for ${clusterId} within 10 s`));
        }, 10_000);
        waiting.set(clusterId, (value) => {
          clearTimeout(timer);
          resolve(value);
        });
      });
    },
    report(status) {
      ws.send(JSON.stringify({ type: 'status', at: new Date().toISOString(), ...status }));
    },
    send(message) {
      ws.send(JSON.stringify(message));
    },
    async close() {
      ws.close();
      await new Promise((r) => ws.once('close', r));
    },
  };
}
