// A pod's CPU and memory from the Kubernetes metrics API (metrics.k8s.io/v1beta1 PodMetrics, served by metrics-server):
// each container's usage as resource quantities, CPU a rate over the reported window ("1234567n" nanocores, "250m"
// millicores, "2" cores) and memory the working set ("123456Ki"). Pure; the driver fetches.

export interface PodMetricsView {
  containers?: Array<{ name?: string; usage?: { cpu?: string; memory?: string } }>;
}

const CPU = /^(\d+(?:\.\d+)?)(n|u|m)?$/;
const CPU_SCALE: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1 };
const BYTES = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;
const BYTE_SCALE: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, '': 1 };

/** A CPU quantity in cores; null when it is not one. */
export function cpuCoresOf(quantity: string): number | null {
  const match = CPU.exec(quantity.trim());
  return match ? Number(match[1]) * CPU_SCALE[match[2] ?? '']! : null;
}

/** A memory quantity in bytes; null when it is not one. */
export function bytesOf(quantity: string): number | null {
  const match = BYTES.exec(quantity.trim());
  return match ? Math.round(Number(match[1]) * BYTE_SCALE[match[2] ?? '']!) : null;
}

/** The pod's CPU in cores and memory in bytes, summed over its containers; absent what no container reports. */
export function podUsage(metrics: PodMetricsView): { cpuCores?: number; memoryBytes?: number } {
  let cpu: number | undefined;
  let memory: number | undefined;
  for (const container of metrics.containers ?? []) {
    const cores = container.usage?.cpu === undefined ? null : cpuCoresOf(container.usage.cpu);
    const bytes = container.usage?.memory === undefined ? null : bytesOf(container.usage.memory);
    if (cores !== null) cpu = (cpu ?? 0) + cores;
    if (bytes !== null) memory = (memory ?? 0) + bytes;
  }
  return { ...(cpu === undefined ? {} : { cpuCores: cpu }), ...(memory === undefined ? {} : { memoryBytes: memory }) };
}
