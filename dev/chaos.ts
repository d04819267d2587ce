// `npm run chaos`: hundreds of cluster operations on a scratch local stack while its parts fail under them, then
// a check that nothing was lost. Faults, each at random moments:
//   - the local agent is SIGKILLed (the stack's supervisor restarts it),
//   - commands reach the agent twice (a faulty link between agent and control plane re-delivers command and
//     resync frames), and that link is cut now and then,
//   - Durable Objects (the region's and some clusters') are restarted, as a crash or a deploy would.
// At the end, once the faults stop and the work settles: no operation stuck, no command lost (every cluster's
// observed generation caught up with its desired one), and every cluster's status agrees with what a Postgres
// client finds. Bounded in count (CHAOS_OPERATIONS) and time (CHAOS_SECONDS); exits 1 when a check fails.
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { sleep as sleepUnless } from '../protocol/backoff.ts';
import { AgentLink } from './chaos/agent-link.ts';
import { removeDataDir, startStack, type Stack } from './stack.ts';

const OPERATIONS = Number(process.env.CHAOS_OPERATIONS ?? 500);
const CLUSTERS = Number(process.env.CHAOS_CLUSTERS ?? 24);
const SECONDS = Number(process.env.CHAOS_SECONDS ?? 900);
const CONCURRENCY = Number(process.env.CHAOS_CONCURRENCY ?? 6);
const SETTLE_SECONDS = Number(process.env.CHAOS_SETTLE_SECONDS ?? 180);
const DUPLICATE_RATE = Number(process.env.CHAOS_DUPLICATE_RATE ?? 0.5);
/** Mean seconds between faults of each kind (exponentially distributed). */
const KILL_EVERY = Number(process.env.CHAOS_KILL_EVERY ?? 10);
const RESTART_EVERY = Number(process.env.CHAOS_RESTART_EVERY ?? 10);
const CUT_EVERY = Number(process.env.CHAOS_CUT_EVERY ?? 20);

const out = (line = '') => process.stdout.write(`${line}\n`);

type Action = 'create' | 'resize' | 'update' | 'sleep' | 'wake' | 'rotate_password' | 'delete';
const SIZES = ['dev', 'small', 'medium'] as const;

interface Tracked {
  id: string;
  password: string;
  /** What the last accepted mutation asked for. */
  desired: 'running' | 'sleeping' | 'deleted';
  busy: boolean;
  /** The last endpoint seen while running, to check a sleeping or deleted cluster's server is really gone. */
  port: number | null;
}

interface Outcome {
  action: Action;
  status: string;
  ms: number;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
const randomPassword = () => `chaos-${crypto.randomUUID()}`;

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function canQuery(port: number, password: string): Promise<string | null> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'app', password, database: 'app', connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

class Api {
  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}

  async call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await fetch(`${this.url}${path}`, {
          method,
          headers: { authorization: `Bearer ${this.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
          body: body ? JSON.stringify(body) : undefined,
        });
        return { status: res.status, body: await res.json() };
      } catch (error) {
        // The Worker itself stays up; a refused connection under load is retried a few times.
        if (attempt >= 3) throw error;
        await sleep(200 * (attempt + 1));
      }
    }
  }
}

/** Calls `fault` at random moments (mean `everySeconds`) until `stop` aborts. */
async function every(everySeconds: number, stop: AbortSignal, fault: () => Promise<void>): Promise<void> {
  while (!stop.aborted) {
    await sleepUnless(-Math.log(1 - Math.random()) * everySeconds * 1000, stop);
    if (stop.aborted) return;
    try {
      await fault();
    } catch (error) {
      out(`fault failed: ${(error as Error).message}`);
    }
  }
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'orochi-chaos-'));
  const port = 29787 + Math.floor(Math.random() * 1000);
  const link = await new AgentLink({ upstream: `http://127.0.0.1:${port}`, duplicateRate: DUPLICATE_RATE, duplicateDelayMs: 500 }).start();
  const started = Date.now();
  let stack: Stack | null = null;
  let failed = false;
  try {
    out(`chaos: starting a scratch stack in ${dataDir}`);
    stack = await startStack({
      dataDir,
      port,
      agentUrl: link.url,
      wranglerLogLevel: 'error',
      output: (source, line) => {
        if (source === 'stack') out(`[stack] ${line}`);
      },
    });
    const live = stack;
    const register = await fetch(`${live.url}/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `chaos-${Date.now()}@example.com`, password: 'chaos run password' }),
    });
    const account = (await register.json()) as { access_token: string; organization: { id: string } };
    // Room for every cluster of the run, whatever plan new organizations get.
    const catalog = new pg.Client({ connectionString: live.catalog.databaseUrl });
    await catalog.connect();
    await catalog.query("update organizations set plan = 'enterprise' where id = $1", [account.organization.id]);
    await catalog.end();
    const api = new Api(live.url, account.access_token);

    const clusters = new Map<string, Tracked>();
    const outcomes: Outcome[] = [];
    const inFlight = new Map<string, { cluster: Tracked; action: Action; at: number }>();
    let issued = 0;
    let refused = 0;
    const stopFaults = new AbortController();
    const faultCounts = { kills: 0, restarts: 0 };
    const deadline = started + SECONDS * 1000;

    const faultLoops = [
      every(KILL_EVERY, stopFaults.signal, async () => {
        const pid = live.agent?.pid;
        if (!pid) return;
        process.kill(pid, 'SIGKILL');
        faultCounts.kills += 1;
      }),
      every(RESTART_EVERY, stopFaults.signal, async () => {
        const ids = [...clusters.values()].filter((c) => c.desired !== 'deleted').map((c) => c.id);
        const some = ids.sort(() => Math.random() - 0.5).slice(0, 3);
        const res = await api.call('POST', '/v1/dev/restart-objects', { region_ids: [live.localRegionId], cluster_ids: some });
        if (res.status === 200) faultCounts.restarts += res.body.restarted;
      }),
      every(CUT_EVERY, stopFaults.signal, async () => link.cut()),
    ];

    const mutate = async (cluster: Tracked | null, action: Action): Promise<void> => {
      let res;
      let password: string | null = null;
      if (action === 'create') {
        password = randomPassword();
        res = await api.call('POST', '/v1/clusters', { name: `chaos-${crypto.randomUUID().slice(0, 8)}`, region_id: live.localRegionId, password });
      } else if (action === 'resize') {
        res = await api.call('PATCH', `/v1/clusters/${cluster!.id}`, { size: pick(SIZES) });
      } else if (action === 'update') {
        res = await api.call('PATCH', `/v1/clusters/${cluster!.id}`, { settings: { suspend_timeout_seconds: 300 + Math.floor(Math.random() * 600) } });
      } else if (action === 'rotate_password') {
        password = randomPassword();
        res = await api.call('POST', `/v1/clusters/${cluster!.id}/password/rotate`, { password });
      } else if (action === 'delete') {
        res = await api.call('DELETE', `/v1/clusters/${cluster!.id}`);
      } else {
        res = await api.call('POST', `/v1/clusters/${cluster!.id}/${action}`);
      }
      if (res.status !== 202) {
        refused += 1;
        if (cluster) cluster.busy = false;
        if (res.status >= 500) out(`chaos: ${action} answered ${res.status}: ${JSON.stringify(res.body)}`);
        return;
      }
      issued += 1;
      const tracked = cluster ?? { id: res.body.cluster.id, password: password!, desired: 'running' as const, busy: true, port: null };
      clusters.set(tracked.id, tracked);
      if (action === 'rotate_password') tracked.password = password!;
      if (action === 'sleep') tracked.desired = 'sleeping';
      if (action === 'wake') tracked.desired = 'running';
      if (action === 'delete') tracked.desired = 'deleted';
      inFlight.set(res.body.operation.id, { cluster: tracked, action, at: Date.now() });
    };

    const nextAction = (cluster: Tracked, alive: number): Action => {
      if (cluster.desired === 'sleeping') return alive > CLUSTERS && Math.random() < 0.5 ? 'delete' : pick(['wake', 'wake', 'wake', 'delete'] as const);
      if (alive > CLUSTERS) return 'delete';
      return pick(['resize', 'update', 'sleep', 'sleep', 'rotate_password', 'rotate_password', 'delete'] as const);
    };

    let lastReport = Date.now();
    while (issued < OPERATIONS && Date.now() < deadline) {
      const alive = [...clusters.values()].filter((c) => c.desired !== 'deleted');
      const starting: Promise<void>[] = [];
      let room = CONCURRENCY - inFlight.size;
      if (room > 0 && alive.length < CLUSTERS) {
        starting.push(mutate(null, 'create'));
        room -= 1;
      }
      const idle = alive.filter((c) => !c.busy).sort(() => Math.random() - 0.5);
      for (const cluster of idle.slice(0, Math.max(0, room))) {
        cluster.busy = true;
        starting.push(mutate(cluster, nextAction(cluster, alive.length)));
      }
      await Promise.all(starting);
      await sleep(250);
      await Promise.all(
        [...inFlight].map(async ([opId, entry]) => {
          const res = await api.call('GET', `/v1/operations/${opId}`);
          const op = res.body.operation;
          if (!op || op.status === 'pending' || op.status === 'running') return;
          inFlight.delete(opId);
          outcomes.push({ action: entry.action, status: op.status, ms: Date.now() - entry.at });
          // Where its server listens, to check at the end that a cluster put to sleep or deleted let go of it.
          const state = (await api.call('GET', `/v1/clusters/${entry.cluster.id}`)).body.cluster;
          if (state?.endpoint) entry.cluster.port = state.endpoint.port;
          entry.cluster.busy = false;
        }),
      );
      if (Date.now() - lastReport > 15_000) {
        lastReport = Date.now();
        out(`chaos: ${issued} operations issued, ${inFlight.size} in flight, ${faultCounts.kills} agent kills, ${faultCounts.restarts} object restarts, ${link.stats.duplicated} duplicated deliveries, ${link.stats.cuts} link cuts`);
      }
    }
    stopFaults.abort();
    await Promise.all(faultLoops);
    const faultsEndedAt = Date.now();
    out(`chaos: faults stopped after ${((faultsEndedAt - started) / 1000).toFixed(0)} s; letting the work settle`);

    // Settle: every operation ends and every cluster's observed generation reaches its desired one.
    const settleDeadline = faultsEndedAt + SETTLE_SECONDS * 1000;
    let behind: any[] = [];
    for (;;) {
      await Promise.all(
        [...inFlight].map(async ([opId, entry]) => {
          const op = (await api.call('GET', `/v1/operations/${opId}`)).body.operation;
          if (!op || op.status === 'pending' || op.status === 'running') return;
          inFlight.delete(opId);
          entry.cluster.busy = false;
          outcomes.push({ action: entry.action, status: op.status, ms: Date.now() - entry.at });
        }),
      );
      const states = await Promise.all([...clusters.values()].map(async (c) => (await api.call('GET', `/v1/clusters/${c.id}`)).body.cluster));
      behind = states.filter((s) => s.observed_generation < s.generation || !['running', 'sleeping', 'deleted', 'failed'].includes(s.status));
      if ((inFlight.size === 0 && behind.length === 0) || Date.now() > settleDeadline) break;
      await sleep(500);
    }
    const settledMs = Date.now() - faultsEndedAt;

    // What the API says against what a client finds.
    const disagreements: string[] = [];
    let checkedRunning = 0;
    let checkedStopped = 0;
    for (const cluster of clusters.values()) {
      const state = (await api.call('GET', `/v1/clusters/${cluster.id}`)).body.cluster;
      if (state.endpoint) cluster.port = state.endpoint.port;
      if (state.status === 'running') {
        checkedRunning += 1;
        const problem = state.endpoint ? await canQuery(state.endpoint.port, cluster.password) : 'no endpoint';
        if (problem) disagreements.push(`${cluster.id} is running but: ${problem}`);
      } else if (state.status === 'sleeping' || state.status === 'deleted') {
        checkedStopped += 1;
        if (cluster.port !== null && (await portOpen(cluster.port)) && !(await canQuery(cluster.port, cluster.password))) {
          disagreements.push(`${cluster.id} is ${state.status} but its server on ${cluster.port} still answers`);
        }
        const dataLeft = existsSync(join(dataDir, 'agent', 'clusters', cluster.id));
        if (state.status === 'deleted' && dataLeft) disagreements.push(`${cluster.id} is deleted but its data is still on disk`);
        if (state.status === 'sleeping' && !dataLeft) disagreements.push(`${cluster.id} is sleeping but its data is gone`);
      } else {
        disagreements.push(`${cluster.id} ended ${state.status}: ${state.status_message ?? ''}`);
      }
      if (state.status !== cluster.desired) disagreements.push(`${cluster.id} is ${state.status}, asked to be ${cluster.desired}`);
    }
    const stuck = (await api.call('GET', '/v1/operations?limit=100')).body.data.filter((o: any) => o.status === 'pending' || o.status === 'running');

    const elapsed = (Date.now() - started) / 1000;
    const byAction = new Map<string, { finished: number; failed: number; cancelled: number }>();
    for (const o of outcomes) {
      const row = byAction.get(o.action) ?? { finished: 0, failed: 0, cancelled: 0 };
      row[o.status as 'finished' | 'failed' | 'cancelled'] += 1;
      byAction.set(o.action, row);
    }
    out('');
    out(`chaos run: ${elapsed.toFixed(0)} s, ${clusters.size} clusters, ${issued} operations accepted (${refused} refused as busy or not allowed)`);
    for (const [action, row] of [...byAction].sort()) {
      out(`  ${action.padEnd(16)} finished ${String(row.finished).padStart(4)}  failed ${String(row.failed).padStart(3)}  cancelled ${String(row.cancelled).padStart(3)}`);
    }
    const durations = outcomes.filter((o) => o.status === 'finished').map((o) => o.ms);
    out(`  operation time   p50 ${percentile(durations, 50).toFixed(0)} ms  p99 ${percentile(durations, 99).toFixed(0)} ms  max ${Math.max(...durations).toFixed(0)} ms`);
    out(`faults: ${faultCounts.kills} agent kills (${live.agentRestarts} supervised restarts), ${faultCounts.restarts} Durable Object restarts, ${link.stats.duplicated} commands delivered twice, ${link.stats.cuts} link cuts, ${link.stats.connections} agent connections`);
    out(`settled ${(settledMs / 1000).toFixed(1)} s after the faults stopped`);
    out(`stuck operations: ${stuck.length + inFlight.size}`);
    out(`lost commands (clusters behind their desired generation): ${behind.length}`);
    out(`status vs psql: ${disagreements.length} disagreements (${checkedRunning} running clusters queried, ${checkedStopped} sleeping or deleted ones checked for a server still answering and for their data)`);
    for (const line of [...disagreements, ...behind.map((b) => `${b.id} behind: generation ${b.generation}, observed ${b.observed_generation}, ${b.status}`)].slice(0, 20)) out(`  ${line}`);
    failed = stuck.length + inFlight.size > 0 || behind.length > 0 || disagreements.length > 0 || issued < Math.min(OPERATIONS, 1);
  } finally {
    await stack?.stop();
    await link.stop();
    await removeDataDir(dataDir);
  }
  process.exit(failed ? 1 : 0);
}

main().catch((error) => {
  process.stderr.write(`chaos: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
