import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { entryOfCnpgLine } from '../../drivers/kubernetes/cnpg-logs.ts';
import { tempDir } from '../fixtures.ts';
import type { InstanceServer } from './cnpg-operator.ts';
import { instanceLogReader } from './instance-logs.ts';

let dir: Awaited<ReturnType<typeof tempDir>>;
let server: InstanceServer;

beforeEach(async () => {
  dir = await tempDir('instance-logs');
  server = { pid: 1, port: 5432, socketDir: dir.path, superuser: 'postgres', database: 'app', logFile: join(dir.path, 'postgres.log'), jsonLogDir: join(dir.path, 'log') };
});

afterEach(() => dir.remove());

const records = (lines: { text: string }[]) => lines.map((l) => JSON.parse(l.text) as { logger: string; record?: Record<string, string> });

describe('the stand-in instance pod log', () => {
  it('turns the stderr log into CNPG records, folding DETAIL and STATEMENT, the instance manager first, and reads on from where it stopped', async () => {
    await writeFile(
      server.logFile,
      [
        '2026-11-27 20:00:00.100 UTC [41] LOG:  database system is ready to accept connections',
        '2026-11-27 20:00:01.200 UTC [57] ERROR:  relation "nope" does not exist at character 15',
        '2026-11-27 20:00:01.200 UTC [57] STATEMENT:  select * from nope',
        '2026-11-27 20:00:02.000 UTC [57] LOG:  half a line',
      ].join('\n'),
    );
    const read = instanceLogReader(server, 'postgres-1');
    const first = records(await read());
    expect(first.map((l) => l.logger)).toEqual(['instance-manager', 'postgres', 'postgres']);
    expect(first[2]!.record).toMatchObject({ error_severity: 'ERROR', message: 'relation "nope" does not exist at character 15', query: 'select * from nope', process_id: '57', log_time: '2026-11-27 20:00:01.200 UTC' });
    // The line without its newline was not complete: it comes with the next read, once.
    await appendFile(server.logFile, '\n');
    const next = await read();
    expect(next.map((l) => entryOfCnpgLine(l.text))).toEqual([{ at: '2026-11-27T20:00:02.000Z', level: 'info', message: 'half a line', sqlstate: null }]);
    expect(await read()).toEqual([]);
  });

  it('reads the newest jsonlog file when the server writes one, with its SQLSTATE', async () => {
    await writeFile(server.logFile, '2026-11-27 20:00:00.100 UTC [41] LOG:  redirecting log output to logging collector process\n');
    await mkdir(server.jsonLogDir);
    const line = { timestamp: '2026-11-27 20:00:03.250 UTC', pid: 60, error_severity: 'ERROR', state_code: '42601', message: 'syntax error at or near "selec"', statement: 'selec 1' };
    await writeFile(join(server.jsonLogDir, 'postgresql-2026-11-27.json'), `${JSON.stringify(line)}\n`);
    const lines = await instanceLogReader(server, 'postgres-1')();
    expect(lines.map((l) => entryOfCnpgLine(l.text)).filter(Boolean)).toEqual([{ at: '2026-11-27T20:00:03.250Z', level: 'error', message: 'syntax error at or near "selec"', sqlstate: '42601' }]);
    expect(records(lines)[1]!.record).toMatchObject({ query: 'selec 1', process_id: '60' });
  });
});
