// The SQL editor's statements running now, by the control plane's query id: which server process runs each (for
// pg_cancel_backend), whether a cancel was asked for (so its 57014 reads as cancelled, not timed out), and when it
// ends (a cancel answers once the statement is gone from the server).

export interface RunningQuery {
  clusterId: string;
  pid: number;
  cancelRequested: boolean;
  /**
   * A pg_cancel_backend on its way to the statement's server process: the connection serves no other statement until
   * it has landed, or the signal could stop someone else's.
   */
  cancelling: Promise<unknown> | null;
  /** Settles when the statement has ended, however it ended. */
  finished: Promise<void>;
}

export class RunningQueries {
  private readonly queries = new Map<string, RunningQuery>();

  /** Registers a statement until the returned function is called. A query id already running is refused. */
  start(queryId: string, clusterId: string, pid: number): { query: RunningQuery; end: () => void } {
    if (this.queries.has(queryId)) throw new Error(`query ${queryId} is already running`);
    let end!: () => void;
    const finished = new Promise<void>((resolve) => (end = resolve));
    const query: RunningQuery = { clusterId, pid, cancelRequested: false, cancelling: null, finished };
    this.queries.set(queryId, query);
    return {
      query,
      end: () => {
        if (this.queries.get(queryId) === query) this.queries.delete(queryId);
        end();
      },
    };
  }

  /** The statement with this id running on this cluster, if any (a cancel never reaches another cluster's). */
  get(queryId: string, clusterId: string): RunningQuery | null {
    const query = this.queries.get(queryId);
    return query && query.clusterId === clusterId ? query : null;
  }
}
