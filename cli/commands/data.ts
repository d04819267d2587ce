// orochi sql, logs [--follow], metrics, psql: a cluster's data and what it says about itself.
import { spawn } from 'node:child_process';
import type { LogEntry } from '../../protocol/observability.ts';
import { logLevels, metricSeries } from '../../protocol/enums.ts';
import { unwrap } from '../client.ts';
import { flag, str, type Command, type Context } from '../command.ts';
import { CliError, EXIT, usageError } from '../errors.ts';
import { rows, text } from '../output.ts';
import { subscribe } from '../realtime.ts';
import { clusterId } from './shared.ts';

const LOG_POLL_MS = 2_000;
const DEFAULT_SERIES = ['cpu_percent', 'memory_bytes', 'connections_active', 'transactions_per_second', 'database_size_bytes'];

export function logLine(entry: LogEntry): string {
  return `${entry.at} ${entry.level.toUpperCase().padEnd(7)} ${entry.sqlstate ? `[${entry.sqlstate}] ` : ''}${entry.message}`;
}

/** 15m, 2h, 7d as milliseconds. */
export function duration(value: string): number {
  const match = /^(\d+)([smhd])$/.exec(value);
  if (!match) throw usageError(`A duration looks like 30s, 15m, 2h or 7d; got "${value}"`);
  return Number(match[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 's' | 'm' | 'h' | 'd'];
}

/** Prints log lines as they come until interrupted: live over `logs:{id}`, or by polling when the socket is not there. */
async function follow(ctx: Context, id: string, since: string | undefined, print: (entry: LogEntry) => void): Promise<void> {
  let stop: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  process.once('SIGINT', () => stop());
  const subscription = await subscribe(ctx, [`logs:${id}`], (message) => {
    if (message.type === 'log.entry' && message.cluster_id === id) print(message);
  });
  if (subscription) {
    await Promise.race([stopped, subscription.closed]);
    subscription.close();
    return;
  }
  let after = since;
  for (let done = false; !done; ) {
    const page = await unwrap(ctx.api.v1.clusters[':id'].logs.$get({ param: { id }, query: after ? { since: after } : {} }));
    for (const entry of page.data) print(entry);
    after = page.data.at(-1)?.at ?? after;
    done = await Promise.race([stopped.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), LOG_POLL_MS))]);
  }
}

export const dataCommands: Command[] = [
  {
    path: ['sql'],
    summary: 'Run SQL on a cluster through the API (the last statement\'s rows are shown)',
    args: ['cluster', 'statement'],
    options: {
      'read-only': { type: 'boolean', description: 'In a read-only transaction' },
      'timeout-ms': { type: 'string', value: '<ms>', description: 'Cancel the statement after this long' },
    },
    async run(ctx, input) {
      const id = await clusterId(ctx, input.args.cluster!);
      const timeout = str(input, 'timeout-ms');
      if (timeout !== undefined && !/^\d+$/.test(timeout)) throw usageError(`--timeout-ms must be a whole number; got "${timeout}"`);
      const json = { sql: input.args.statement!, read_only: flag(input, 'read-only'), ...(timeout ? { timeout_ms: Number(timeout) } : {}) };
      const result = await unwrap(ctx.api.v1.clusters[':id'].query.$post({ param: { id }, json }));
      if (result.columns.length === 0) return text(result, `${result.command ?? 'OK'}${result.row_count === null ? '' : ` ${result.row_count}`}`);
      return rows(result, result.rows, result.columns.map((c, i) => ({ header: c.name, value: (r: unknown[]) => r[i] })));
    },
  },
  {
    path: ['logs'],
    summary: "Show a cluster's PostgreSQL log; --follow keeps printing new lines",
    args: ['cluster'],
    options: {
      follow: { type: 'boolean', short: 'f', description: 'Keep printing new lines until interrupted' },
      level: { type: 'string', value: '<level>', choices: logLevels, description: `The least severe level shown: ${logLevels.join(', ')}` },
      search: { type: 'string', value: '<text>', description: 'Only lines containing this' },
      limit: { type: 'string', value: '<n>', description: 'The newest lines (default: the API\'s)' },
    },
    async run(ctx, input) {
      const id = await clusterId(ctx, input.args.cluster!);
      const level = str(input, 'level');
      const search = str(input, 'search');
      const limit = str(input, 'limit');
      const query = { ...(level ? { level: level as (typeof logLevels)[number] } : {}), ...(search ? { search } : {}), ...(limit ? { limit } : {}) };
      const page = await unwrap(ctx.api.v1.clusters[':id'].logs.$get({ param: { id }, query }));
      if (!flag(input, 'follow')) return rows(page.data, page.data, [{ header: 'LINE', value: logLine }]);
      // Followed output is a stream: a line per entry, or a JSON object per line (NDJSON) under -o json.
      const print = (entry: LogEntry) => ctx.write(ctx.format === 'table' ? `${logLine(entry)}\n` : `${JSON.stringify({ at: entry.at, level: entry.level, message: entry.message, sqlstate: entry.sqlstate })}\n`);
      page.data.forEach(print);
      await follow(ctx, id, page.data.at(-1)?.at, print);
      return { kind: 'none' };
    },
  },
  {
    path: ['metrics'],
    summary: "A cluster's recent metrics, a row per sample",
    args: ['cluster'],
    options: {
      last: { type: 'string', value: '<duration>', description: 'How far back: 15m (default), 2h, 7d' },
      series: { type: 'string', value: '<a,b>', description: `Comma-separated of ${metricSeries.join(', ')}` },
    },
    async run(ctx, input) {
      const id = await clusterId(ctx, input.args.cluster!);
      const to = new Date();
      const from = new Date(to.getTime() - duration(str(input, 'last') ?? '15m'));
      const series = str(input, 'series') ?? DEFAULT_SERIES.join(',');
      const metrics = await unwrap(ctx.api.v1.clusters[':id'].metrics.$get({ param: { id }, query: { from: from.toISOString(), to: to.toISOString(), series } }));
      const names = Object.keys(metrics.series) as Array<keyof typeof metrics.series>;
      const points = metrics.timestamps.map((t, i) => ({ t, i })).filter(({ i }) => names.some((n) => metrics.series[n]?.[i] != null));
      const compact = (v: number | null | undefined) => (v == null ? '' : Number.isInteger(v) ? String(v) : v.toFixed(2));
      return rows(metrics, points, [
        { header: 'TIME', value: (p) => new Date(p.t * 1000).toISOString().slice(0, 19).replace('T', ' ') },
        ...names.map((n) => ({ header: n.toUpperCase(), value: (p: { i: number }) => compact(metrics.series[n]?.[p.i]) })),
      ]);
    },
  },
  {
    path: ['psql'],
    summary: 'Open psql on a cluster (arguments after -- go to psql)',
    args: ['cluster'],
    async run(ctx, input) {
      const id = await clusterId(ctx, input.args.cluster!);
      const connection = await unwrap(ctx.api.v1.clusters[':id'].connection.$get({ param: { id }, query: { format: 'uri', reveal: 'true' } }));
      // The password goes through the environment, not the command line, where other users' `ps` would see it.
      const uri = new URL(connection.value);
      uri.password = '';
      const psql = ctx.env.OROCHI_PSQL || 'psql';
      const code = await new Promise<number>((resolve, reject) => {
        const child = spawn(psql, [uri.href, ...input.rest], { stdio: 'inherit', env: { ...ctx.env, PGPASSWORD: connection.password ?? '' } });
        child.once('error', (error: NodeJS.ErrnoException) =>
          reject(
            error.code === 'ENOENT'
              ? new CliError(`${psql} was not found: install the PostgreSQL client (e.g. apt install postgresql-client, brew install libpq) or set OROCHI_PSQL to its path`, EXIT.api, 'psql_missing')
              : error,
          ),
        );
        child.once('exit', (status) => resolve(status ?? 1));
      });
      if (code !== 0) throw new CliError(`psql exited with code ${code}`, code, 'psql_failed');
      return { kind: 'none' };
    },
  },
];
