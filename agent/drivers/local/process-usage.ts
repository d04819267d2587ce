// CPU time and memory of a server's process tree, read from Linux's /proc (proc(5)): the postmaster and every process
// under it. CPU: each process's utime + stime plus its cutime + cstime, the time of the children it has already reaped
// (the postmaster's hold every ended connection), so the total only grows while the server runs.
// Memory: each process's private resident memory (RssAnon) plus the shared memory once (RssShmem, the largest one
// seen), since every backend maps the same shared buffers and summing RSS would count them once per process.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { ResourceUsage } from '../driver.ts';

const execFileAsync = promisify(execFile);
/** Processes read at most: a server has max_connections backends and a few of its own. */
const PROCESSES_MAX = 2_000;

let clockTicks: Promise<number> | null = null;

/** Clock ticks per second, the unit of /proc's CPU times (sysconf(_SC_CLK_TCK), 100 on Linux nearly always). */
function ticksPerSecond(): Promise<number> {
  clockTicks ??= execFileAsync('getconf', ['CLK_TCK']).then(
    ({ stdout }) => Number(stdout.trim()) || 100,
    () => 100,
  );
  return clockTicks;
}

interface ProcessStat {
  utime: number;
  stime: number;
  cutime: number;
  cstime: number;
}

/** /proc/<pid>/stat's CPU fields; the command name (2nd field) may hold spaces and parentheses, so fields are counted from its closing one. */
export function parseStat(text: string): ProcessStat | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  // After "pid (comm) ": state is field 3; utime, stime, cutime, cstime are fields 14-17.
  const fields = text.slice(close + 2).trim().split(/\s+/);
  const at = (field: number) => Number(fields[field - 3]);
  const stat = { utime: at(14), stime: at(15), cutime: at(16), cstime: at(17) };
  return Object.values(stat).every(Number.isFinite) ? stat : null;
}

/** A /proc/<pid>/status field in bytes (the file says kB). */
export function statusBytes(text: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  return match ? Number(match[1]) * 1024 : 0;
}

async function children(pid: number): Promise<number[]> {
  // The kernel lists a thread's children; a postgres process has one thread.
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return text.split(/\s+/).filter(Boolean).map(Number);
}

/** What the process `rootPid` and everything under it use now; null when it is not running (or not on Linux). */
export async function processTreeUsage(rootPid: number): Promise<ResourceUsage | null> {
  const ticks = await ticksPerSecond();
  let cpuTicks = 0;
  let privateBytes = 0;
  let sharedBytes = 0;
  const queue = [rootPid];
  for (let index = 0; index < queue.length && index < PROCESSES_MAX; index++) {
    const pid = queue[index]!;
    const [statText, statusText, below] = await Promise.all([
      readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null),
      readFile(`/proc/${pid}/status`, 'utf8').catch(() => null),
      children(pid),
    ]);
    const stat = statText ? parseStat(statText) : null;
    if (!stat || statusText === null) {
      if (pid === rootPid) return null;
      // Gone between listing and reading: its time is in its parent's cutime once reaped.
      continue;
    }
    cpuTicks += stat.utime + stat.stime + stat.cutime + stat.cstime;
    privateBytes += statusBytes(statusText, 'RssAnon');
    sharedBytes = Math.max(sharedBytes, statusBytes(statusText, 'RssShmem'));
    queue.push(...below);
  }
  return { cpuSeconds: cpuTicks / ticks, memoryBytes: privateBytes + sharedBytes };
}
