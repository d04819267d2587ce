// The limits of a cluster's (and a region's) fields as plain values: the zod schemas (clusters.ts) are built from them, and the
// dashboard checks forms against the same ones without shipping zod to browsers.
/** A DNS label: cluster and region names end up in Kubernetes object names and hostnames. */
export const DNS_LABEL_PATTERN = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
export const CLUSTER_NAME_PATTERN = DNS_LABEL_PATTERN;
export const CLUSTER_NAME_MIN = 3;
export const CLUSTER_NAME_MAX = 63;

export const postgresVersions = ['15', '16', '17', '18'] as const;
export type PostgresVersion = (typeof postgresVersions)[number];
export const DEFAULT_POSTGRES_VERSION: PostgresVersion = '17';

export const STORAGE_MIN_GB = 1;
export const STORAGE_MAX_GB = 16384;
export const DEFAULT_STORAGE_GB = 10;
export const INSTANCES_MIN = 1;
export const INSTANCES_MAX = 5;

/** A cluster role's password: printable ASCII without spaces, so it survives every connection-string format. */
export const CLUSTER_PASSWORD_PATTERN = /^[\x21-\x7e]+$/;
export const CLUSTER_PASSWORD_MIN = 12;
export const CLUSTER_PASSWORD_MAX = 128;

/** Backups of a cluster that never set its own: daily at 03:00 UTC, kept a week (the plan caps retention further). */
export const DEFAULT_BACKUP_SCHEDULE = '0 3 * * *';
export const DEFAULT_BACKUP_RETENTION_DAYS = 7;
export const BACKUP_RETENTION_MIN_DAYS = 1;
export const BACKUP_RETENTION_MAX_DAYS = 3650;
/** A five-field cron expression (minute hour day-of-month month day-of-week): numbers, ranges, lists, steps, `*`. */
export const CRON_PATTERN = /^\s*(?:[\d*,/-]+\s+){4}[\d*,/-]+\s*$/;
