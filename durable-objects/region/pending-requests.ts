// The requests sent to a region's agent that still wait for its `response`, in memory: the RegionDO stays awake while
// an RPC awaits one, so nothing here needs to survive hibernation. Each ends exactly once: with the agent's answer,
// at its deadline (`no_answer`), or when the socket it went out on closes (`region_offline`).
import type { AgentResponse } from '../../protocol/agent.ts';
import type { RequestErrorCode } from '../../protocol/enums.ts';

/** Past this many unanswered requests a region refuses new ones rather than let memory grow with a stuck agent. */
export const MAX_PENDING_REQUESTS = 1_000;

interface Pending {
  socket: WebSocket;
  resolve: (response: AgentResponse) => void;
  timer: ReturnType<typeof setTimeout>;
}

export function failure(id: string, code: RequestErrorCode, error: string): AgentResponse {
  return { type: 'response', id, ok: false, code, error };
}

export class PendingRequests {
  readonly #byId = new Map<string, Pending>();

  get size(): number {
    return this.#byId.size;
  }

  /** Waits for the answer to `id`, sent on `socket`, for at most `timeoutMs`. */
  wait(id: string, socket: WebSocket, timeoutMs: number): Promise<AgentResponse> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#byId.delete(id);
        resolve(failure(id, 'no_answer', `The region's agent did not answer within ${Math.round(timeoutMs / 100) / 10} s`));
      }, timeoutMs);
      this.#byId.set(id, { socket, resolve, timer });
    });
  }

  /** Hands the agent's answer to its caller; false when nothing waits for it (late, or never asked). */
  answer(response: AgentResponse): boolean {
    const pending = this.#byId.get(response.id);
    if (!pending) return false;
    this.#end(response.id, pending, response);
    return true;
  }

  /** Fails every request that went out on this socket: its agent cannot answer them any more. */
  socketGone(socket: WebSocket): number {
    let failed = 0;
    for (const [id, pending] of this.#byId) {
      if (pending.socket !== socket) continue;
      this.#end(id, pending, failure(id, 'region_offline', "The region's agent disconnected before answering"));
      failed += 1;
    }
    return failed;
  }

  #end(id: string, pending: Pending, response: AgentResponse): void {
    clearTimeout(pending.timer);
    this.#byId.delete(id);
    pending.resolve(response);
  }
}
