// Finding native PostgreSQL: directories holding initdb, pg_ctl and postgres, from OROCHI_PG_BIN, the PATH
// and the usual install locations, with the version each one runs. Several versions may be installed.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, realpath } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface NativeInstallation {
  binDir: string;
  /** e.g. "15.20" */
  version: string;
  major: number;
}

const PROGRAMS = ['initdb', 'pg_ctl', 'postgres'];

async function globBinDirs(parent: string, pattern: RegExp, suffix: string): Promise<string[]> {
  try {
    return (await readdir(parent)).filter((name) => pattern.test(name)).map((name) => join(parent, name, suffix));
  } catch {
    return [];
  }
}

async function candidateDirs(): Promise<string[]> {
  if (process.env.OROCHI_PG_BIN) return [process.env.OROCHI_PG_BIN];
  const fromPath = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  const installed = [
    ...(await globBinDirs('/usr/lib/postgresql', /^\d+$/, 'bin')), // Debian, Ubuntu
    ...(await globBinDirs('/usr', /^pgsql-\d+$/, 'bin')), // RHEL, Fedora
    ...(await globBinDirs('/opt/homebrew/opt', /^postgresql@\d+$/, 'bin')), // Homebrew
    ...(await globBinDirs('/usr/local/opt', /^postgresql@\d+$/, 'bin')),
    '/usr/local/pgsql/bin',
  ];
  return [...fromPath, ...installed];
}

async function inspect(dir: string): Promise<NativeInstallation | null> {
  if (!PROGRAMS.every((program) => existsSync(join(dir, program)))) return null;
  try {
    // A symlink in the PATH (/usr/local/bin/initdb) stands for its real directory, where its siblings are.
    const binDir = dirname(await realpath(join(dir, 'initdb')));
    if (!PROGRAMS.every((program) => existsSync(join(binDir, program)))) return null;
    const { stdout } = await execFileAsync(join(binDir, 'postgres'), ['--version'], { timeout: 10_000 });
    const match = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(stdout);
    if (!match) return null;
    return { binDir, version: match[2] ? `${match[1]}.${match[2]}` : match[1]!, major: Number(match[1]) };
  } catch {
    return null;
  }
}

let discovery: Promise<NativeInstallation[]> | null = null;

/** Every distinct installation found, newest first. Looked up once per process. */
export function findNativeInstallations(): Promise<NativeInstallation[]> {
  discovery ??= (async () => {
    const found = await Promise.all((await candidateDirs()).map(inspect));
    const unique = new Map<string, NativeInstallation>();
    for (const installation of found) if (installation) unique.set(installation.binDir, installation);
    return [...unique.values()].sort((a, b) => b.major - a.major);
  })();
  return discovery;
}

/** The requested major version when installed, else the newest (an empty request means the newest). */
export function chooseInstallation(installations: NativeInstallation[], requested: string): NativeInstallation | null {
  const major = Number.parseInt(requested, 10);
  return installations.find((installation) => installation.major === major) ?? installations[0] ?? null;
}
