// The cluster sizes: what each gives and costs (API.md's table; prices from the architecture seed's size
// reference). Free of zod so the dashboard can ship it to browsers as it is.
export const clusterSizes = ['dev', 'small', 'medium', 'large', 'xlarge', '2xlarge', '4xlarge'] as const;
export type ClusterSize = (typeof clusterSizes)[number];

export interface SizeSpec {
  vcpu: number;
  memory_gb: number;
  max_connections: number;
  /** List price of one instance of this size, in US dollars per hour. */
  price_per_hour_usd: number;
}

export const SIZE_TABLE: Readonly<Record<ClusterSize, SizeSpec>> = {
  dev: { vcpu: 0.25, memory_gb: 1, max_connections: 25, price_per_hour_usd: 0.02 },
  small: { vcpu: 1, memory_gb: 4, max_connections: 100, price_per_hour_usd: 0.1 },
  medium: { vcpu: 2, memory_gb: 8, max_connections: 200, price_per_hour_usd: 0.2 },
  large: { vcpu: 4, memory_gb: 16, max_connections: 400, price_per_hour_usd: 0.4 },
  xlarge: { vcpu: 8, memory_gb: 32, max_connections: 800, price_per_hour_usd: 0.8 },
  '2xlarge': { vcpu: 16, memory_gb: 64, max_connections: 1500, price_per_hour_usd: 1.6 },
  '4xlarge': { vcpu: 32, memory_gb: 128, max_connections: 3000, price_per_hour_usd: 3.2 },
};
