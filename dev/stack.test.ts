// The local stack refuses a port something else already answers on, instead of health-checking that other
// server and calling itself ready while its own Worker never started.
import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { removeDataDir, startStack } from './stack.ts';

let other: Server | null = null;
let dataDir = '';

afterEach(async () => {
  await new Promise((r) => (other ? other.close(r) : r(undefined)));
  if (dataDir) await removeDataDir(dataDir);
});

it('refuses a PORT another server listens on, even one that answers /v1/health', async () => {
  // Another stack, as far as a health check can tell.
  other = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}'));
  await new Promise<void>((r) => other!.listen(0, '127.0.0.1', r));
  const port = (other.address() as AddressInfo).port;
  dataDir = await mkdtemp(join(tmpdir(), 'orochi-port-'));
  await expect(startStack({ dataDir, port, agent: false, output: () => undefined })).rejects.toThrow(
    new RegExp(`port ${port} on 127.0.0.1 is already in use`),
  );
}, 60_000);
