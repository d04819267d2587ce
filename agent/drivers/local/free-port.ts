// Loopback ports for local clusters. A port is free when 127.0.0.1 can bind it; asking the kernel for port 0
// gives one that is free now (a race with other programs remains, which callers handle by retrying).
import { connect, createServer } from 'node:net';

function bind(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(null));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      const address = server.address();
      const bound = address && typeof address === 'object' ? address.port : null;
      server.close(() => resolve(bound));
    });
  });
}

export async function freePort(): Promise<number> {
  const port = await bind(0);
  if (port === null) throw new Error('no free loopback port');
  return port;
}

export async function isPortFree(port: number): Promise<boolean> {
  return (await bind(port)) !== null;
}

/** `preferred` when it is free (a woken cluster keeps its address), else any free port. */
export async function choosePort(preferred: number | null | undefined): Promise<number> {
  if (preferred && (await isPortFree(preferred))) return preferred;
  return freePort();
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function isAccepting(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}
