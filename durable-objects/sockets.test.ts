// The socket helper on real hibernatable sockets (a RealtimeDO's): open-only iteration, attachments kept in memory
// and on the socket alike, and sends and closes on a closed socket that do not throw.
import { env, runInDurableObject } from 'cloudflare:test';
import { afterEach, describe, expect, it } from 'vitest';
import type { Bindings } from '../workers/env.ts';
import { realtimeFor } from './realtime/stub.ts';
import { signUp } from '../workers/test/harness.ts';
import { connectReady, type RealtimeClient } from '../workers/test/realtime-client.ts';
import { SocketAttachments, closeQuietly, openSockets, sendFrame } from './sockets.ts';

const opened: RealtimeClient[] = [];
afterEach(() => {
  for (const c of opened.splice(0)) c.close();
});

async function twoSockets() {
  const ada = await signUp();
  for (let i = 0; i < 2; i++) opened.push(await connectReady({ token: ada.token }));
  return realtimeFor(env as unknown as Bindings, ada.orgId);
}

describe('durable-objects/sockets', () => {
  it('iterates open sockets only, and sends to or closes a closed one without throwing', async () => {
    const stub = await twoSockets();
    opened[0]!.close();
    await opened[0]!.closed;
    await runInDurableObject(stub, (_instance, state) => {
      const open = openSockets(state);
      expect(open).toHaveLength(1);
      const [ws] = open;
      expect(sendFrame(ws!, '{"type":"pong"}')).toBe(true);
      closeQuietly(ws!, 1000, 'done');
      expect(openSockets(state)).toHaveLength(0);
      expect(sendFrame(ws!, '{"type":"pong"}')).toBe(false);
      expect(() => closeQuietly(ws!, 1000, 'again')).not.toThrow();
    });
    expect(await opened[1]!.next('pong')).toEqual({ type: 'pong' });
    expect(await opened[1]!.closed).toMatchObject({ code: 1000 });
  });

  it('reads the stored attachment once, writes through to the socket, and a new instance reads what was written', async () => {
    const stub = await twoSockets();
    await runInDurableObject(stub, (_instance, state) => {
      const [ws] = openSockets(state);
      const attachments = new SocketAttachments<{ connection: { id: string }; marker?: number }>();
      const first = attachments.read(ws!);
      expect(first?.connection.id).toEqual(expect.any(String));
      // Served from memory: the same object, not a fresh deserialisation.
      expect(attachments.read(ws!)).toBe(first);
      attachments.write(ws!, { ...first!, marker: 7 });
      expect(attachments.read(ws!)?.marker).toBe(7);
      // What an instance woken from hibernation would read: the socket's stored copy.
      expect(new SocketAttachments<{ marker?: number }>().read(ws!)?.marker).toBe(7);
    });
  });
});
