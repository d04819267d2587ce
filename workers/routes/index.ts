// Every route of the API, registered in one place so the surface is visible at a glance.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { App } from '../app.ts';
import type { AppEnv } from '../context.ts';
import { registerHealth } from './v1/health.ts';
import { registerLogin } from './v1/auth/login.ts';
import { registerMe } from './v1/auth/me.ts';
import { registerRegister } from './v1/auth/register.ts';
import { registerRefresh } from './v1/auth/refresh.ts';
import { registerLogout } from './v1/auth/logout.ts';
import { registerForgotPassword } from './v1/auth/forgot-password.ts';
import { registerResetPassword } from './v1/auth/reset-password.ts';
import { registerChangePassword } from './v1/auth/change-password.ts';
import { registerVerifyEmail } from './v1/auth/verify-email.ts';
import { registerVerifyEmailResend } from './v1/auth/verify-email-resend.ts';
import { registerDevMailbox } from './v1/dev/mailbox.ts';
import { registerDevRestartObjects } from './v1/dev/restart-objects.ts';
import { registerListOrganizations } from './v1/organizations/list.ts';
import { registerCreateOrganization } from './v1/organizations/create.ts';
import { registerGetOrganization } from './v1/organizations/get.ts';
import { registerOrganizationSummary } from './v1/organizations/summary.ts';
import { registerUpdateOrganization } from './v1/organizations/update.ts';
import { registerDeleteOrganization } from './v1/organizations/delete.ts';
import { registerListMembers } from './v1/organizations/members-list.ts';
import { registerUpdateMember } from './v1/organizations/members-update.ts';
import { registerRemoveMember } from './v1/organizations/members-remove.ts';
import { registerCreateInvitation } from './v1/organizations/invitations-create.ts';
import { registerListInvitations } from './v1/organizations/invitations-list.ts';
import { registerAcceptInvitation } from './v1/invitations/accept.ts';
import { registerListProjects } from './v1/projects/list.ts';
import { registerCreateProject } from './v1/projects/create.ts';
import { registerGetProject } from './v1/projects/get.ts';
import { registerUpdateProject } from './v1/projects/update.ts';
import { registerDeleteProject } from './v1/projects/delete.ts';
import { registerRealtime } from './v1/realtime.ts';
import { registerListRegions } from './v1/regions/list.ts';
import { registerCreateRegion } from './v1/regions/create.ts';
import { registerGetRegion } from './v1/regions/get.ts';
import { registerDeleteRegion } from './v1/regions/delete.ts';
import { registerRegionRegistrationToken } from './v1/regions/registration-token.ts';
import { registerRegionInstallYaml } from './v1/regions/install-yaml.ts';
import { registerAgentRegister } from './v1/agent/register.ts';
import { registerAgentToken } from './v1/agent/token.ts';
import { registerAgentConnect } from './v1/agent/connect.ts';

import { registerClusterConnection } from './v1/clusters/connection.ts';
import { registerCreateCluster } from './v1/clusters/create.ts';
import { registerClusterEvents } from './v1/clusters/events.ts';
import { registerGetCluster } from './v1/clusters/get.ts';
import { registerClusterHealth } from './v1/clusters/health.ts';
import { registerDeleteCluster, registerSleepCluster, registerWakeCluster } from './v1/clusters/lifecycle.ts';
import { registerListClusters } from './v1/clusters/list.ts';
import { registerRotatePassword } from './v1/clusters/rotate-password.ts';
import { registerUpdateCluster } from './v1/clusters/update.ts';
import { registerGetOperation } from './v1/operations/get.ts';
import { registerListOperations } from './v1/operations/list.ts';
const registrations = [
  registerHealth,
  registerRegister,
  registerLogin,
  registerMe,
  registerRefresh,
  registerLogout,
  registerForgotPassword,
  registerResetPassword,
  registerChangePassword,
  registerVerifyEmail,
  registerVerifyEmailResend,
  registerDevMailbox,
  registerDevRestartObjects,
  registerListOrganizations,
  registerCreateOrganization,
  registerGetOrganization,
  registerOrganizationSummary,
  registerUpdateOrganization,
  registerDeleteOrganization,
  registerListMembers,
  registerUpdateMember,
  registerRemoveMember,
  registerCreateInvitation,
  registerListInvitations,
  registerAcceptInvitation,
  registerListProjects,
  registerCreateProject,
  registerGetProject,
  registerUpdateProject,
  registerDeleteProject,
  registerRealtime,
  registerListRegions,
  registerCreateRegion,
  registerGetRegion,
  registerDeleteRegion,
  registerRegionRegistrationToken,
  registerRegionInstallYaml,
  registerAgentRegister,
  registerAgentToken,
  registerAgentConnect,
  registerListClusters,
  registerCreateCluster,
  registerGetCluster,
  registerUpdateCluster,
  registerDeleteCluster,
  registerSleepCluster,
  registerWakeCluster,
  registerClusterConnection,
  registerRotatePassword,
  registerClusterEvents,
  registerClusterHealth,
  registerListOperations,
  registerGetOperation,
] as const;

export function registerRoutes(app: App): void {
  for (const register of registrations) register(app);
}

/** The routes one registration adds, as Hono's client sees them. */
type RoutesOf<R> = R extends (app: App) => OpenAPIHono<AppEnv, infer S, '/'> ? S : never;
type Intersect<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/**
 * The whole API as one Hono app type: `hc<ApiApp>(origin)` is a client whose paths, parameters, bodies and
 * responses are the route definitions' own (the dashboard's client is one).
 */
export type ApiApp = OpenAPIHono<AppEnv, Intersect<RoutesOf<(typeof registrations)[number]>>, '/'>;
