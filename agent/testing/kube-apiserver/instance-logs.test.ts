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
  server = { pid: 1, startedAt: Date.parse('2026-11-27T20:00:00Z'), port: 5432, socketDir: dir.path, superuser: 'postgres', database: 'app', logFile: join(dir.path, 'postgres.log'), jsonLogDir: join(dir.path, 'log') };
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

  it('reads the jsonlog files too, in time order, with their SQLSTATE; the lines of an earlier run of the server are not this pod\'s', async () => {
    await writeFile(
      server.logFile,
      ['2026-11-27 19:00:00.000 UTC [30] LOG:  database system is shut down', '2026-11-27 20:00:00.100 UTC [41] LOG:  redirecting log output to logging collector process', ''].join('\n'),
    );
    await mkdir(server.jsonLogDir);
    const json = (line: object) => `${JSON.stringify(line)}\n`;
    await writeFile(join(server.jsonLogDir, 'postgresql-20261127-190000.json'), json({ timestamp: '2026-11-27 19:00:00.000 UTC', pid: 30, error_severity: 'LOG', message: 'an earlier run' }));
    await writeFile(
      join(server.jsonLogDir, 'postgresql-20261127-200000.json'),
      json({ timestamp: '2026-11-27 20:00:03.250 UTC', pid: 60, error_severity: 'ERROR', state_code: '42601', message: 'syntax error at or near "selec"', statement: 'selec 1' }),
    );
    const read = instanceLogReader(server, 'postgres-1');
    const lines = await read();
    expect(lines.map((l) => entryOfCnpgLine(l.text)).filter(Boolean)).toEqual([
      { at: '2026-11-27T20:00:00.100Z', level: 'info', message: 'redirecting log output to logging collector process', sqlstate: null },
      { at: '2026-11-27T20:00:03.250Z', level: 'error', message: 'syntax error at or near "selec"', sqlstate: '42601' },
    ]);
    expect(records(lines)[2]!.record).toMatchObject({ query: 'selec 1', process_id: '60' });
    // A rotation: the new file is read from its start.
    await writeFile(join(server.jsonLogDir, 'postgresql-20261128-000000.json'), json({ timestamp: '2026-11-28 00:00:00.000 UTC', pid: 41, error_severity: 'LOG', message: 'rotated' }));
    expect((await read()).map((l) => entryOfCnpgLine(l.text)?.message)).toEqual(['rotated']);
  });
});
