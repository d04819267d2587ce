import { z } from '@hono/zod-openapi';
import { timestamp } from './common.ts';

export const agentRegisterSchema = z
  .object({
    registration_token: z.string().min(10).max(200),
    agent_version: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
      .optional(),
  })
  .strict()
  .openapi('AgentRegister');

export const agentCredentialSchema = z
  .object({
    region_id: z.string(),
    credential: z.string().openapi({ description: 'Bearer credential for /v1/agent/connect and /v1/agent/token; valid 1 hour' }),
    expires_at: timestamp,
  })
  .openapi('AgentCredential');

export const agentRegistrationSchema = agentCredentialSchema
  .extend({
    region_key: z.string().openapi({ description: "The region's AES-256 key (base64url) that opens sealed cluster passwords" }),
  })
  .openapi('AgentRegistration');
