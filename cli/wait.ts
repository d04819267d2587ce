// --wait: follows an operation to its end. Live over /v1/realtime (`operation.updated` on the cluster's
// channel), with a slow poll of GET /v1/operations/{id} beside it in case a message is missed; by polling alone
// when the socket is not available (refused or unreachable). A progress line goes to stderr.
import type { Operation } from '../protocol/resources.ts';
import { unwrap } from './client.ts';
import type { Context } from './command.ts';
import { CliError, EXIT } from './errors.ts';
import { subscribe } from './realtime.ts';

const TERMINAL = new Set(['finished', 'failed', 'cancelled']);
const POLL_LIVE_MS = 5_000;
const POLL_ALONE_MS = 1_000;
export const DEFAULT_WAIT_SECONDS = 600;

export function progressLine(operation: Operation, clusterStatus: string | null): string {
  const seconds = Math.round((Date.now() - Date.parse(operation.created_at)) / 1000);
  const note = operation.status_message ?? operation.error;
  return `${operation.action} ${operation.id}: ${operation.status}${clusterStatus ? `, cluster ${clusterStatus}` : ''}${note ? ` (${note})` : ''}, ${seconds}s`;
}

export async function waitForOperation(ctx: Context, operation: Operation, timeoutSeconds: number): Promise<Operation> {
  let current = operation;
  let clusterStatus: string | null = null;
  let wake: () => void = () => {};
  const subscription = await subscribe(ctx, [`cluster:${operation.cluster_id}`], (message) => {
    if (message.type === 'operation.updated' && message.operation.id === operation.id) current = message.operation;
    else if (message.type === 'cluster.status' && message.cluster.id === operation.cluster_id) clusterStatus = message.cluster.status;
    else return;
    wake();
  });
  if (!subscription) ctx.progress(`following ${operation.id} by polling (the realtime socket could not be opened)`, true);
  const deadline = Date.now() + timeoutSeconds * 1000;
  try {
    for (;;) {
      if (!TERMINAL.has(current.status)) {
        // The API is authoritative: read it once now (the operation may have ended before the socket was open) and
        // at every poll tick; a realtime message wakes the loop at once.
        current = (await unwrap(ctx.api.v1.operations[':id'].$get({ param: { id: operation.id } }))).operation;
      }
      ctx.progress(progressLine(current, clusterStatus), TERMINAL.has(current.status));
      if (TERMINAL.has(current.status)) break;
      if (Date.now() > deadline) {
        throw new CliError(`Gave up waiting after ${timeoutSeconds}s: operation ${current.id} is ${current.status}`, EXIT.operation, 'wait_timeout');
      }
      const pause = Math.min(subscription ? POLL_LIVE_MS : POLL_ALONE_MS, Math.max(0, deadline - Date.now()) + 10);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pause);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = () => {};
      if (TERMINAL.has(current.status)) {
        ctx.progress(progressLine(current, clusterStatus), true);
        break;
      }
    }
  } finally {
    subscription?.close();
  }
  if (current.status !== 'finished') {
    throw new CliError(`Operation ${current.id} (${current.action}) ${current.status}${current.error ? `: ${current.error}` : ''}`, EXIT.operation, `operation_${current.status}`, null, { operation: current });
  }
  return current;
}
