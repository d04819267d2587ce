// Region agents: registration and credential renewal (the WebSocket is registered beside them).
import { openApiApp } from '../../define-route.ts';
import { agentRegister } from './register.ts';
import { agentToken } from './token.ts';
import { registerAgentConnect } from './connect.ts';

export const agentRoutes = registerAgentConnect(
  openApiApp()
    .openapi(agentRegister.route, agentRegister.handler)
    .openapi(agentToken.route, agentToken.handler),
);
