// The Worker's bindings: every Durable Object, queue and var the objects use (durable-objects/bindings.ts), plus the
// dashboard's static assets, which only the Worker serves.
import type { ObjectBindings } from '../durable-objects/bindings.ts';

export interface Bindings extends ObjectBindings {
  /** The dashboard's built files (site/dist). */
  ASSETS: Fetcher;
}

// The runtime's own Env type (used by `cloudflare:test`'s env and DurableObject) is this Worker's bindings.
declare global {
  namespace Cloudflare {
    interface Env extends Bindings {}
  }
}
