// Organizations, their members and invitations.
import { openApiApp } from '../../define-route.ts';
import { listOrganizations } from './list.ts';
import { postOrganization } from './create.ts';
import { getOrganization } from './get.ts';
import { organizationSummary } from './summary.ts';
import { updateOrganization } from './update.ts';
import { deleteOrganization } from './delete.ts';
import { listMembers } from './members-list.ts';
import { updateMember } from './members-update.ts';
import { removeMember } from './members-remove.ts';
import { createInvitation } from './invitations-create.ts';
import { listInvitations } from './invitations-list.ts';

export const organizationRoutes = openApiApp()
  .openapi(listOrganizations.route, listOrganizations.handler)
  .openapi(postOrganization.route, postOrganization.handler)
  .openapi(getOrganization.route, getOrganization.handler)
  .openapi(organizationSummary.route, organizationSummary.handler)
  .openapi(updateOrganization.route, updateOrganization.handler)
  .openapi(deleteOrganization.route, deleteOrganization.handler)
  .openapi(listMembers.route, listMembers.handler)
  .openapi(updateMember.route, updateMember.handler)
  .openapi(removeMember.route, removeMember.handler)
  .openapi(createInvitation.route, createInvitation.handler)
  .openapi(listInvitations.route, listInvitations.handler);
