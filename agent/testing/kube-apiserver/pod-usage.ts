// A STAND-IN for metrics-server's PodMetrics of an instance pod, for tests only: the pod's processes are the
// instance's postmaster and its children, read from /proc. CPU is a rate over a window, as metrics-server reports it
// (nanocores): between this read and the previous one of the same pod, or over 200 ms when there is none recent.
// Memory stands for the working set: each process's private resident pages plus the shared ones once (a server's
// processes all map the same shared buffers, which summed RSS would count once per process).
import { readdir, readFile } from 'node:fs/promises';
import { sleep } from '../../../protocol/backoff.ts';

const CLOCK_TICKS = 100;
const PAGE_SIZE = 4096;

interface Reading {
  at: number;
  cpuSeconds: number;
  memoryBytes: number;
}

async function children(pid: number): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => null);
    // The ppid is the 2nd field after the command's closing parenthesis.
    const ppid = stat ? Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) : NaN;
    if (ppid === pid) found.push(Number(entry));
  }
  return found;
}

async function read(pid: number): Promise<Reading | null> {
  const pids = [pid, ...(await children(pid))];
  let ticks = 0;
  let privateBytes = 0;
  let sharedBytes = 0;
  let any = false;
  for (const p of pids) {
    const [stat, statm] = await Promise.all([readFile(`/proc/${p}/stat`, 'utf8').catch(() => null), readFile(`/proc/${p}/statm`, 'utf8').catch(() => null)]);
    if (!stat || !statm) continue;
    any = true;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat, the 12th and 13th after the command.
    ticks += Number(fields[11]) + Number(fields[12]);
    const [, resident, shared] = statm.trim().split(/\s+/).map(Number) as [number, number, number];
    privateBytes += (resident - shared) * PAGE_SIZE;
    sharedBytes = Math.max(sharedBytes, shared * PAGE_SIZE);
  }
  return any ? { at: performance.now(), cpuSeconds: ticks / CLOCK_TICKS, memoryBytes: privateBytes + sharedBytes } : null;
}

/** Reads pods' usage, remembering each pod's last reading for the next window. */
export class PodUsage {
  private readonly last = new Map<string, Reading>();

  async usage(pod: string, pid: number): Promise<{ nanocores: number; memoryBytes: number; windowSeconds: number } | null> {
    let previous = this.last.get(pod);
    if (!previous || performance.now() - previous.at > 60_000) {
      previous = (await read(pid)) ?? undefined;
      await sleep(200);
    }
    const now = await read(pid);
    if (!previous || !now) return null;
    this.last.set(pod, now);
    const seconds = Math.max((now.at - previous.at) / 1000, 0.001);
    return { nanocores: Math.round((Math.max(now.cpuSeconds - previous.cpuSeconds, 0) / seconds) * 1e9), memoryBytes: now.memoryBytes, windowSeconds: seconds };
  }
}
