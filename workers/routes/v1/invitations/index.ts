// Accepting an invitation.
import { openApiApp } from '../../define-route.ts';
import { acceptInvitation } from './accept.ts';

export const invitationRoutes = openApiApp()
  .openapi(acceptInvitation.route, acceptInvitation.handler);
