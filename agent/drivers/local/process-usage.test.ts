import { spawn } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { parseStat, processTreeUsage, statusBytes } from './process-usage.ts';

describe('process tree usage from /proc', () => {
  test('stat fields counted from the end of the command name, which may hold spaces and parentheses', () => {
    const fields = Array.from({ length: 50 }, (_, index) => index + 3);
    expect(parseStat(`123 (postgres: app (x) idle) ${fields.join(' ')}`)).toEqual({ utime: 14, stime: 15, cutime: 16, cstime: 17 });
    expect(parseStat('garbage')).toBeNull();
    expect(statusBytes('Name:\tpostgres\nRssAnon:\t    1116 kB\nRssShmem:\t  2048 kB\n', 'RssShmem')).toBe(2048 * 1024);
    expect(statusBytes('Name:\tpostgres\n', 'RssAnon')).toBe(0);
  });

  test.skipIf(process.platform !== 'linux')('a process and its children: CPU grows with work, memory counted, a gone process is null', async () => {
    // A shell whose child (a subshell) burns CPU for a moment: the shell's tree counts it, live or reaped.
    const shell = spawn('sh', ['-c', '(i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done); sleep 5'], { stdio: 'ignore' });
    try {
      const first = await processTreeUsage(shell.pid!);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const second = await processTreeUsage(shell.pid!);
      expect(first).not.toBeNull();
      expect(second!.cpuSeconds).toBeGreaterThan(first!.cpuSeconds);
      expect(second!.memoryBytes).toBeGreaterThan(0);
    } finally {
      shell.kill();
    }
    await new Promise((resolve) => shell.once('exit', resolve));
    expect(await processTreeUsage(shell.pid!)).toBeNull();
  });
});
