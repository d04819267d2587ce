// One list-then-watch loop over a kind, as controller-runtime's informers do it: list (every object is handed over, so a
// restarted or re-listed watch misses nothing), then watch from the list's resourceVersion; an ended watch resumes from
// the last resourceVersion seen, a 410 Gone (history compacted) lists again. Restarts back off; stops on the signal.
import { Watch, type KubeConfig, type KubernetesObject, type KubernetesObjectApi } from '@kubernetes/client-node';
import { Backoff, sleep, type BackoffOptions } from '../../../protocol/backoff.ts';
import { errorMessage, type Logger } from '../../log.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ResourceWatchOptions {
  kubeConfig: KubeConfig;
  client: KubernetesObjectApi;
  log: Logger;
  apiVersion: string;
  kind: string;
  /** The collection across namespaces, e.g. /apis/postgresql.cnpg.io/v1/clusters. */
  path: string;
  labelSelector?: string;
  backoff: BackoffOptions;
  signal: AbortSignal;
  /** Every object listed (as ADDED) and every event after; DELETED carries the object's last state. */
  onEvent(type: WatchEventType, object: KubernetesObject): void;
  /** The open watch request, so a stop can abort it at once. */
  onRequest?(request: AbortController | null): void;
}

export async function runResourceWatch(options: ResourceWatchOptions): Promise<void> {
  const { signal, log, client, labelSelector } = options;
  const backoff = new Backoff(options.backoff);
  let resourceVersion: string | null = null;
  while (!signal.aborted) {
    let healthy = false;
    try {
      if (resourceVersion === null) {
        const list = await client.list(options.apiVersion, options.kind, undefined, undefined, undefined, undefined, undefined, labelSelector);
        resourceVersion = list.metadata?.resourceVersion ?? '0';
        for (const item of list.items) options.onEvent('ADDED', item);
        log.debug('listed', { kind: options.kind, count: list.items.length, resource_version: resourceVersion });
      }
      const from = resourceVersion;
      const ended = await new Promise<unknown>((resolve) => {
        if (signal.aborted) return resolve(null);
        new Watch(options.kubeConfig)
          .watch(
            options.path,
            { ...(labelSelector ? { labelSelector } : {}), resourceVersion: from, allowWatchBookmarks: true },
            (type: string, object: KubernetesObject & { code?: number; message?: string }) => {
              if (type === 'ERROR') {
                // 410 Gone: the history we would resume from is compacted; start over with a list.
                if (object.code === 410) resourceVersion = null;
                log.info('watch error event', { kind: options.kind, code: object.code, message: object.message });
                return;
              }
              healthy = true;
              if (object.metadata?.resourceVersion) resourceVersion = object.metadata.resourceVersion;
              if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') options.onEvent(type, object);
            },
            (error: unknown) => resolve(error),
          )
          .then(
            (request) => {
              options.onRequest?.(request);
              if (signal.aborted) request.abort();
            },
            (error: unknown) => resolve(error),
          );
      });
      options.onRequest?.(null);
      if (signal.aborted) return;
      if (ended) log.info('watch ended', { kind: options.kind, error: errorMessage(ended) });
      else log.debug('watch closed by the server', { kind: options.kind });
    } catch (error) {
      if (signal.aborted) return;
      log.warn('listing failed', { kind: options.kind, error: errorMessage(error) });
    }
    if (healthy) backoff.reset();
    await sleep(backoff.next(), signal);
  }
}
