// Plain GETs on the Kubernetes API for what its typed clients do not cover well: a pod's proxied port (text, not
// JSON), a pod's log (text, streamed while following) and the metrics API. Credentials, TLS and proxies come from the
// kubeconfig exactly as for the typed clients (KubeConfig.applyToHTTPSOptions); errors are ApiExceptions with the
// Status message, as the typed clients throw them.
import { ApiException, type KubeConfig } from '@kubernetes/client-node';
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { text } from 'node:stream/consumers';

export interface KubeGetOptions {
  query?: Record<string, string>;
  signal?: AbortSignal;
  /** How long to wait for the response to begin. Default 10 s. */
  timeoutMs?: number;
}

/** The response of a GET once it answered 200, its body still to read; anything else throws an ApiException. */
export async function kubeGet(kubeConfig: KubeConfig, path: string, options: KubeGetOptions = {}): Promise<IncomingMessage> {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(cluster.server.replace(/\/+$/, '') + path);
  for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value);
  const requestOptions: RequestOptions = { method: 'GET', hostname: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, headers: {} };
  await kubeConfig.applyToHTTPSOptions(requestOptions);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = send({ ...requestOptions, ...(options.signal ? { signal: options.signal } : {}) }, (response) => {
      // Answered: a followed log may then stay quiet for as long as the server is.
      req.setTimeout(0);
      resolve(response);
    });
    req.setTimeout(options.timeoutMs ?? 10_000, () => req.destroy(new Error(`the Kubernetes API did not answer GET ${url.pathname} within ${options.timeoutMs ?? 10_000} ms`)));
    req.on('error', reject);
    req.end();
  });
  if (response.statusCode === 200) return response;
  const body = await text(response).catch(() => '');
  let message = body;
  try {
    message = String((JSON.parse(body) as { message?: unknown }).message ?? body);
  } catch {
    // not a Status: the text itself
  }
  throw new ApiException(response.statusCode ?? 0, message, body, {});
}

/** The whole body of a GET as text. */
export async function kubeGetText(kubeConfig: KubeConfig, path: string, options: KubeGetOptions = {}): Promise<string> {
  return text(await kubeGet(kubeConfig, path, options));
}
