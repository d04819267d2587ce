// The agent's socket and its heartbeat: what the RegionDO keeps on the socket (it survives hibernation with it),
// and what each heartbeat does with a socket: drop an agent silent too long, ping a live one, and now and then write
// its last_seen_at to the catalog.

export const HEARTBEAT_INTERVAL_MS = 15_000;
/** An agent silent this long (it answers every ping) is gone, whatever its TCP connection claims. */
export const AGENT_SILENCE_LIMIT_MS = 45_000;
/** Catalog writes of last_seen_at are spaced out: every message would otherwise be a Postgres write. */
export const LAST_SEEN_WRITE_INTERVAL_MS = 30_000;

export const AGENT_TAG = 'agent';

/** Kept on the agent's socket itself, so it survives hibernation along with the connection. */
export interface AgentAttachment {
  regionId: string;
  connectedAt: number;
  lastHeardAt: number;
  lastSeenWrittenAt: number;
  /** Commands go only to an agent that has said hello; hello replays the outbox anyway. */
  hello: boolean;
}

export type HeartbeatStep = 'drop' | 'ping' | 'ping_and_record_seen';

/** What one heartbeat does with an agent's socket. */
export function heartbeatStep(attachment: AgentAttachment | null, now: number): HeartbeatStep {
  if (!attachment || now - attachment.lastHeardAt > AGENT_SILENCE_LIMIT_MS) return 'drop';
  if (attachment.hello && now - attachment.lastSeenWrittenAt >= LAST_SEEN_WRITE_INTERVAL_MS) return 'ping_and_record_seen';
  return 'ping';
}
