// The WebSockets a Durable Object holds through the hibernation API, as every object that holds them (RegionDO,
// RealtimeDO) handles them: only open sockets are iterated, each socket's attachment is read and written with one
// type, and sending or closing a socket that is going away is not an error. The runtime throws on both when the
// peer has gone; by then there is no one left to tell.

/** The object's open sockets: all of them, or those accepted with `tag`. */
export function openSockets(ctx: DurableObjectState, tag?: string): WebSocket[] {
  return ctx.getWebSockets(tag).filter(isOpen);
}

export function isOpen(ws: WebSocket): boolean {
  return ws.readyState === WebSocket.OPEN;
}

/** Sends one text frame; false when the socket closed under us. */
export function sendFrame(ws: WebSocket, frame: string): boolean {
  try {
    ws.send(frame);
    return true;
  } catch {
    return false;
  }
}

/** Closes the socket; one already closed or closing is left as it is. */
export function closeQuietly(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code, reason);
  } catch {
    // Already closed.
  }
}

/**
 * Each socket's attachment, of one type `A`: what the object must know about the socket after it wakes from
 * hibernation. Reads are served from memory after the first one per socket (the runtime deserialises a stored
 * attachment on every read), and every write goes to the socket first, so memory never holds what hibernation
 * would lose. An object keeps one of these per kind of socket; a new instance (after hibernation, or an eviction)
 * starts empty and fills itself from the sockets' stored attachments as it reads them. Only this cache may write the
 * attachments it reads.
 */
export class SocketAttachments<A extends object> {
  readonly #cache = new WeakMap<WebSocket, A>();

  /** The socket's attachment, or null when none was written. Shared, not copied: change it through `write`. */
  read(ws: WebSocket): A | null {
    const cached = this.#cache.get(ws);
    if (cached !== undefined) return cached;
    const stored = ws.deserializeAttachment() as A | null;
    if (stored !== null && stored !== undefined) this.#cache.set(ws, stored);
    return stored ?? null;
  }

  /** Stores the attachment on the socket (up to 16 KiB serialised, the runtime's limit) and in memory. */
  write(ws: WebSocket, attachment: A): void {
    ws.serializeAttachment(attachment);
    this.#cache.set(ws, attachment);
  }
}
