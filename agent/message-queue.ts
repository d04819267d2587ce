// Messages the agent produced while it had no connection, sent in order after the next `hello`. Bounded:
// when the control plane stays away long enough to fill it the oldest go first, which loses nothing that
// matters, since every reconnect re-sends each cluster's latest status and the control plane re-sends
// commands until they are acked.
import type { AgentMessage } from '../protocol/agent.ts';

export class MessageQueue {
  private items: AgentMessage[] = [];
  private droppedSinceDrain = 0;

  constructor(private readonly capacity: number) {}

  push(message: AgentMessage): void {
    this.items.push(message);
    if (this.items.length > this.capacity) {
      this.items.shift();
      this.droppedSinceDrain++;
    }
  }

  /** Everything queued, oldest first, and how many were dropped for room since the last drain. */
  drain(): { messages: AgentMessage[]; dropped: number } {
    const drained = { messages: this.items, dropped: this.droppedSinceDrain };
    this.items = [];
    this.droppedSinceDrain = 0;
    return drained;
  }

  get size(): number {
    return this.items.length;
  }
}
