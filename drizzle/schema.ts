// The catalog: every table the control plane keeps in Postgres. Migrations in ./migrations are generated
// from this file by drizzle-kit (`npm run db:generate`) and committed.
import { sql } from 'drizzle-orm';
import {
  backupKinds,
  backupStatuses,
  clusterActions,
  clusterHealths,
  clusterStatuses,
  desiredStates,
  engines,
  operationStatuses,
  plans,
  regionDrivers,
  regionStatuses,
  regionVisibilities,
  roles,
  tiers,
} from '../protocol/enums.ts';
import { clusterSizes } from '../protocol/sizes.ts';
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

export const users = pgTable(
  'users',
  {
    id: text('id').primaryKey(),
    email: text('email').notNull(),
    name: text('name'),
    passwordHash: text('password_hash').notNull(),
    emailVerifiedAt: timestamp('email_verified_at', { withTimezone: true }),
    mfaEnabled: boolean('mfa_enabled').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('users_email_key').on(t.email)],
);

export const organizations = pgTable(
  'organizations',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    slug: text('slug').notNull(),
    plan: text('plan', { enum: plans }).notNull().default('free'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('organizations_slug_key').on(t.slug)],
);

export const memberships = pgTable(
  'memberships',
  {
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role', { enum: roles }).notNull(),
    joinedAt: timestamp('joined_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.userId] }), index('memberships_user_idx').on(t.userId, t.orgId)],
);

export const invitations = pgTable(
  'invitations',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    role: text('role', { enum: roles }).notNull(),
    tokenHash: text('token_hash').notNull(),
    invitedBy: text('invited_by').references(() => users.id, { onDelete: 'set null' }),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    acceptedAt: timestamp('accepted_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('invitations_token_key').on(t.tokenHash), index('invitations_org_idx').on(t.orgId, t.id)],
);

export const projects = pgTable(
  'projects',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('projects_org_name_key').on(t.orgId, t.name), index('projects_org_idx').on(t.orgId, t.id)],
);

export const regions = pgTable(
  'regions',
  {
    id: text('id').primaryKey(),
    // null for a shared region offered by the platform operator to every org.
    orgId: text('org_id').references(() => organizations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    provider: text('provider').notNull(),
    driver: text('driver', { enum: regionDrivers }).notNull(),
    visibility: text('visibility', { enum: regionVisibilities }).notNull(),
    status: text('status', { enum: regionStatuses }).notNull().default('pending'),
    agentVersion: text('agent_version'),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }),
    registrationTokenHash: text('registration_token_hash'),
    registrationExpiresAt: timestamp('registration_expires_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [index('regions_org_idx').on(t.orgId, t.id), uniqueIndex('regions_registration_token_key').on(t.registrationTokenHash)],
);

export const clusters = pgTable(
  'clusters',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'restrict' }),
    regionId: text('region_id')
      .notNull()
      .references(() => regions.id, { onDelete: 'restrict' }),
    name: text('name').notNull(),
    engine: text('engine', { enum: engines }).notNull(),
    version: text('version').notNull(),
    tier: text('tier', { enum: tiers }).notNull(),
    size: text('size', { enum: clusterSizes }).notNull(),
    instances: integer('instances').notNull(),
    storageGb: integer('storage_gb').notNull(),
    status: text('status', { enum: clusterStatuses }).notNull(),
    // What the user asked for; status is what the region last reported.
    desiredState: text('desired_state', { enum: desiredStates }).notNull().default('running'),
    health: text('health', { enum: clusterHealths }).notNull().default('unknown'),
    databaseName: text('database_name').notNull().default('app'),
    username: text('username').notNull().default('app'),
    endpointHost: text('endpoint_host'),
    endpointPort: integer('endpoint_port'),
    generation: integer('generation').notNull().default(1),
    observedGeneration: integer('observed_generation').notNull().default(0),
    // The region's last report: instances ready, its message, and when it came.
    readyInstances: integer('ready_instances').notNull().default(0),
    statusMessage: text('status_message'),
    lastReportAt: timestamp('last_report_at', { withTimezone: true }),
    settings: jsonb('settings').notNull().default({}),
    // AES-GCM ciphertext of the app role's password; never returned unless explicitly revealed.
    passwordCiphertext: text('password_ciphertext'),
    // What the agent owes the cluster's backups beyond its schedule: the newest backup asked for and backups deleted
    // through the API whose objects it removes (the command carries both; see protocol/agent.ts backupSpecSchema).
    backupRequests: jsonb('backup_requests')
      .$type<{ requested: { backup_id: string; requested_at: string } | null; deleted_backup_ids: string[]; purge?: boolean }>()
      .notNull()
      .default({ requested: null, deleted_backup_ids: [] }),
    // The span its backups and archived WAL can restore to, as the region last reported it.
    restoreEarliest: timestamp('restore_earliest', { withTimezone: true }),
    restoreLatest: timestamp('restore_latest', { withTimezone: true }),
    // Whether times between those can be targeted (archived WAL), and if not, why; a break in the archive, for people.
    restorePointInTime: boolean('restore_point_in_time').notNull().default(false),
    restoreLimitation: text('restore_limitation'),
    walGap: text('wal_gap'),
    // A branch's parent and the point of the parent's history it was made from (protocol/agent.ts clusterSourceSchema).
    parentId: text('parent_id'),
    source: jsonb('source').$type<{ cluster_id: string; backup_id: string | null; target_time: string | null }>(),
    // The newest in-place restore asked for (protocol/agent.ts restoreSpecSchema); the command carries it.
    restoreRequest: jsonb('restore_request').$type<{ restore_id: string; backup_id: string | null; target_time: string | null; requested_at: string }>(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('clusters_project_name_key').on(t.projectId, t.name).where(sql`${t.deletedAt} is null`),
    index('clusters_org_idx').on(t.orgId, t.id),
    index('clusters_org_project_idx').on(t.orgId, t.projectId, t.id),
    index('clusters_org_status_idx').on(t.orgId, t.status, t.id),
    index('clusters_org_region_idx').on(t.orgId, t.regionId, t.id),
    index('clusters_region_idx').on(t.regionId),
    index('clusters_parent_idx').on(t.parentId),
  ],
);

export const operations = pgTable(
  'operations',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    clusterId: text('cluster_id')
      .notNull()
      .references(() => clusters.id, { onDelete: 'cascade' }),
    action: text('action', { enum: clusterActions }).notNull(),
    status: text('status', { enum: operationStatuses }).notNull(),
    generation: integer('generation').notNull(),
    error: text('error'),
    // Why an operation in flight is not moving (its region's agent is offline, say); null while it progresses.
    statusMessage: text('status_message'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    index('operations_cluster_idx').on(t.clusterId, t.id),
    index('operations_org_idx').on(t.orgId, t.id),
    // At most one operation in flight per cluster, enforced by the catalog itself.
    uniqueIndex('operations_in_flight_key').on(t.clusterId).where(sql`${t.status} in ('pending', 'running')`),
  ],
);

// One row per backup the region took or was asked to take. The bytes live in the region's object store; the catalog
// keeps what they are and where they stand.
export const backups = pgTable(
  'backups',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    clusterId: text('cluster_id')
      .notNull()
      .references(() => clusters.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: backupKinds }).notNull(),
    status: text('status', { enum: backupStatuses }).notNull(),
    // The operation of a backup asked for through the API; scheduled ones have none.
    operationId: text('operation_id'),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    sizeBytes: bigint('size_bytes', { mode: 'number' }),
    beginLsn: text('begin_lsn'),
    endLsn: text('end_lsn'),
    beginTime: timestamp('begin_time', { withTimezone: true }),
    endTime: timestamp('end_time', { withTimezone: true }),
    error: text('error'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('backups_cluster_idx').on(t.clusterId, t.id), index('backups_org_idx').on(t.orgId, t.id)],
);

export const clusterEvents = pgTable(
  'cluster_events',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    clusterId: text('cluster_id')
      .notNull()
      .references(() => clusters.id, { onDelete: 'cascade' }),
    type: text('type').notNull(),
    message: text('message').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('cluster_events_cluster_idx').on(t.clusterId, t.id)],
);

export const auditLog = pgTable(
  'audit_log',
  {
    id: text('id').primaryKey(),
    // null for events that belong to no organization (a failed login, say). Deliberately not a foreign key:
    // the audit trail outlives the organization it records, including the deletion itself.
    orgId: text('org_id'),
    actorType: text('actor_type', { enum: ['user', 'api_key', 'agent', 'system'] }).notNull(),
    actorId: text('actor_id'),
    action: text('action').notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    ip: text('ip'),
    requestId: text('request_id'),
    metadata: jsonb('metadata').notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [index('audit_log_org_idx').on(t.orgId, t.id), index('audit_log_actor_idx').on(t.actorId, t.id)],
);

// One row per sign-in. Its id is the refresh-token family and the `sid` of every access token issued for it, so
// revoking the row ends the access tokens too (the Worker checks revocations on every request).
export const sessions = pgTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    // The organization the session was opened in (its tokens' `org`); no foreign key, the org may go first.
    orgId: text('org_id'),
    userAgent: text('user_agent'),
    ip: text('ip'),
    createdAt: createdAt(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    revokedReason: text('revoked_reason'),
  },
  (t) => [
    index('sessions_user_idx').on(t.userId),
    // Workers poll the recent revocations by time.
    index('sessions_revoked_idx').on(t.revokedAt).where(sql`${t.revokedAt} is not null`),
  ],
);

// One row per refresh token. Tokens of one login share a family (its session); presenting a token that was
// already rotated revokes the whole family (reuse detection).
export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    familyId: text('family_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    userAgent: text('user_agent'),
    ip: text('ip'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('refresh_tokens_hash_key').on(t.tokenHash),
    index('refresh_tokens_family_idx').on(t.familyId),
    index('refresh_tokens_user_idx').on(t.userId),
  ],
);

// Single-use tokens sent by mail: email verification and password reset.
export const authTokens = pgTable(
  'auth_tokens',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    purpose: text('purpose', { enum: ['verify_email', 'reset_password'] }).notNull(),
    tokenHash: text('token_hash').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('auth_tokens_hash_key').on(t.tokenHash), index('auth_tokens_user_idx').on(t.userId, t.purpose)],
);

export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    // Who sent the key (a user id, or the client address for anonymous calls) plus the key itself.
    scope: text('scope').notNull(),
    key: text('key').notNull(),
    method: text('method').notNull(),
    path: text('path').notNull(),
    requestHash: text('request_hash').notNull(),
    // null while the first request is still running.
    statusCode: integer('status_code'),
    // AES-GCM ciphertext: responses may hold secrets (tokens, passwords).
    responseCiphertext: text('response_ciphertext'),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.key] }), index('idempotency_keys_expires_idx').on(t.expiresAt)],
);

// Outgoing mail: written in the transaction that causes it, delivered by the mail queue's consumer.
export const mailOutbox = pgTable(
  'mail_outbox',
  {
    id: text('id').primaryKey(),
    recipient: text('recipient').notNull(),
    subject: text('subject').notNull(),
    // AES-GCM ciphertext: bodies carry single-use links.
    bodyCiphertext: text('body_ciphertext').notNull(),
    createdAt: createdAt(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
  },
  (t) => [index('mail_outbox_recipient_idx').on(t.recipient, t.id)],
);

// Credentials for programs. The secret (`oro_<lookup>_<random>`) is never stored: only its SHA-256, found by
// the lookup id it carries (one indexed read per check). A rotation keeps the row and its lookup id and moves
// the old hash to `previous_secret_hash`, which keeps working until `previous_expires_at` (the grace period).
// A key grants either a role or an explicit list of permissions, in its org or in one project of it, and never
// more than its creator holds at the time of each request (the creator's membership is read as for a user).
export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    // null for an organization-wide key.
    projectId: text('project_id').references(() => projects.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    lookupId: text('lookup_id').notNull(),
    secretHash: text('secret_hash').notNull(),
    previousSecretHash: text('previous_secret_hash'),
    previousExpiresAt: timestamp('previous_expires_at', { withTimezone: true }),
    // Exactly one of role and permissions is set.
    role: text('role', { enum: roles }),
    permissions: jsonb('permissions').$type<string[]>(),
    createdBy: text('created_by')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    lastUsedIp: text('last_used_ip'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('api_keys_lookup_key').on(t.lookupId), index('api_keys_org_idx').on(t.orgId, t.id)],
);

// Organization webhook endpoints. The signing secret (`whsec_<base64>`) is shown once at creation and kept sealed
// with ENCRYPTION_KEY, since signing needs it back. `event_types` filters what is sent (`cluster.*` or an exact type;
// empty: everything). `failure_streak` counts failed attempts since the last success, from `failing_since`; a long
// enough streak disables the endpoint (core/webhooks/failures.ts).
export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    url: text('url').notNull(),
    description: text('description').notNull().default(''),
    eventTypes: jsonb('event_types').$type<string[]>().notNull().default([]),
    secretCiphertext: text('secret_ciphertext').notNull(),
    enabled: boolean('enabled').notNull().default(true),
    disabledReason: text('disabled_reason'),
    failureStreak: integer('failure_streak').notNull().default(0),
    failingSince: timestamp('failing_since', { withTimezone: true }),
    createdBy: text('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('webhook_endpoints_org_idx').on(t.orgId, t.id)],
);

// One message to one endpoint: the exact body that is signed, and the outcome of its latest attempt. The
// `message_id` is the `webhook-id` header, the same on every attempt and redelivery so receivers can dedupe.
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    endpointId: text('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    orgId: text('org_id').notNull(),
    messageId: text('message_id').notNull(),
    eventType: text('event_type').notNull(),
    payload: text('payload').notNull(),
    status: text('status', { enum: ['pending', 'succeeded', 'failed'] }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    responseStatus: integer('response_status'),
    durationMs: integer('duration_ms'),
    error: text('error'),
    createdAt: createdAt(),
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true }),
  },
  (t) => [index('webhook_deliveries_endpoint_idx').on(t.endpointId, t.id), uniqueIndex('webhook_deliveries_message_key').on(t.endpointId, t.messageId)],
);
