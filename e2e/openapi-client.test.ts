// A client generated from the OpenAPI document by a generator nobody here wrote (swagger-typescript-api, fetch
// client), used as an outside program would: generated from the running stack's /v1/openapi.json, a program
// written against it (openapi-client/lifecycle.ts) compiled with tsc, then run with tsx against the whole local
// stack to sign up, find the local region, create a cluster, see it running, delete it and see it deleted.
//
// Why not openapi-typescript with openapi-fetch: openapi-typescript builds its output with the TypeScript 5
// compiler API (a peer dependency, typescript@^5), which this project's TypeScript 7 does not offer, and npm
// refuses the two side by side. swagger-typescript-api carries its own TypeScript, so it installs next to ours.
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findNativeInstallations } from '../agent/drivers/local/native-binaries.ts';
import { removeDataDir, root, startStack, type Stack } from '../dev/stack.ts';

const run = (await findNativeInstallations()).length > 0 || process.env.CI === 'true';
const exec = promisify(execFile);
const bin = (name: string) => resolve(root, 'node_modules', '.bin', name);

let stack: Stack;
let dataDir: string;
let work: string;
const logs: string[] = [];

/** Runs a tool to its end within `timeoutMs`; a failure carries its output. */
async function tool(file: string, args: string[], timeoutMs: number): Promise<string> {
  try {
    const { stdout } = await exec(file, args, { cwd: work, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${file} ${args.join(' ')} failed:\n${stdout ?? ''}\n${stderr ?? ''}\n${(error as Error).message}`);
  }
}

// What someone would write for a project of their own: strict, DOM's fetch, Node's process.
const TSCONFIG = {
  compilerOptions: {
    target: 'ES2023',
    module: 'ESNext',
    moduleResolution: 'Bundler',
    lib: ['ES2023', 'DOM'],
    strict: true,
    noEmit: true,
    allowImportingTsExtensions: true,
    types: ['node'],
    typeRoots: [resolve(root, 'node_modules', '@types')],
  },
};

beforeAll(async () => {
  if (!run) return;
  dataDir = await mkdtemp(join(tmpdir(), 'orochi-e2e-openapi-'));
  work = await mkdtemp(join(tmpdir(), 'orochi-openapi-client-'));
  const port = 31787 + Math.floor(Math.random() * 1000);
  stack = await startStack({ dataDir, port, wranglerLogLevel: 'warn', output: (source, line) => logs.push(`[${source}] ${line}`) });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  if (dataDir) await removeDataDir(dataDir);
  if (work) await removeDataDir(work);
}, 60_000);

describe.runIf(run)('a client generated from /v1/openapi.json', () => {
  it('generates from the running stack, compiles with tsc, and creates, runs and deletes a cluster', async () => {
    // The generator reads the document over HTTP, as it would from a deployment.
    await tool(bin('swagger-typescript-api'), ['generate', '-p', `${stack.url}/v1/openapi.json`, '-o', work, '-n', 'api.ts', '--enum-style', 'union', '--silent'], 60_000);
    const generated = await readFile(join(work, 'api.ts'), 'utf8');
    expect(generated).toContain('postClusters');
    await copyFile(resolve(import.meta.dirname, 'openapi-client', 'lifecycle.ts'), join(work, 'lifecycle.ts'));
    // ES modules, for the program's top-level await.
    await writeFile(join(work, 'package.json'), JSON.stringify({ type: 'module', private: true }));

    // The types are the document's, not `any`: a body with a misspelt field and a wrong status do not compile.
    await writeFile(
      join(work, 'misuse.ts'),
      "import { Api } from './api.ts';\n" +
        "const api = new Api({ baseUrl: 'http://127.0.0.1' });\n" +
        "await api.v1.postClusters({ nmae: 'x' });\n" +
        "const { data } = await api.v1.getClustersById('cl_1');\n" +
        "if (data.cluster.status === 'sleepy') throw new Error('never');\n",
    );
    await writeFile(join(work, 'tsconfig.misuse.json'), JSON.stringify({ ...TSCONFIG, files: ['misuse.ts', 'api.ts'] }));
    const refused = await tool(bin('tsc'), ['-p', 'tsconfig.misuse.json'], 60_000).then(
      () => '',
      (error: Error) => error.message,
    );
    expect(refused).toContain("'nmae' does not exist in type 'CreateCluster'");
    expect(refused).toMatch(/types '.*' and '"sleepy"' have no overlap/);

    await writeFile(join(work, 'tsconfig.json'), JSON.stringify({ ...TSCONFIG, files: ['lifecycle.ts', 'api.ts'] }));
    await tool(bin('tsc'), ['-p', 'tsconfig.json'], 60_000);

    const started = Date.now();
    const output = await tool(bin('tsx'), ['lifecycle.ts', stack.url], 240_000).catch((error: Error) => {
      throw new Error(`${error.message}\n--- stack output ---\n${logs.slice(-60).join('\n')}`);
    });
    const steps = output.trim().split('\n').map((line) => JSON.parse(line) as { step: string; [field: string]: unknown });
    expect(steps.map((s) => s.step)).toEqual(['registered', 'region', 'created', 'running', 'deleting', 'deleted']);
    expect(steps[1]!.region_id).toBe(stack.localRegionId);
    expect(steps[2]!.status).toBe('provisioning');
    expect(steps[3]!.port).toEqual(expect.any(Number));
    expect(steps[5]!.cluster_id).toBe(steps[2]!.cluster_id);
    console.log(`generated api.ts: ${generated.length} bytes; the lifecycle ran in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, 420_000);
});
