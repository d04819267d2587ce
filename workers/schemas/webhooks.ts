import { z } from '@hono/zod-openapi';
import { isValidFilter, webhookEventTypes } from '../../core/webhooks/events.ts';
import { idParam, idSchema, listQuerySchema, listResponse, timestamp } from './common.ts';

const eventFilterSchema = z
  .array(z.string().refine(isValidFilter, { message: `an event type (${webhookEventTypes.join(', ')}), a group such as cluster.*, or *` }))
  .max(20)
  .openapi({ description: 'Which events to send: exact types or groups (`cluster.*`); empty or absent for every event', example: ['cluster.*', 'operation.updated'] });

const urlSchema = z.string().url().max(2000).openapi({
  description: 'Where events are POSTed. In production: https, and not a loopback, private, link-local or localhost address',
  example: 'https://example.com/hooks/orochi',
});

export const webhookEndpointSchema = z
  .object({
    id: z.string().openapi({ example: 'wh_01jd3k5x8r2m9q7v4w6y0z1a2b' }),
    org_id: z.string(),
    url: z.string(),
    description: z.string(),
    event_types: z.array(z.string()),
    enabled: z.boolean(),
    disabled_reason: z.string().nullable().openapi({ description: 'Set when the endpoint was disabled after failing for too long' }),
    failure_streak: z.number().int().openapi({ description: 'Failed attempts since the last success' }),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .openapi('WebhookEndpoint');
export type WebhookEndpoint = z.infer<typeof webhookEndpointSchema>;

export const createWebhookSchema = z
  .object({
    url: urlSchema,
    org_id: idSchema.optional().openapi({ description: 'Defaults to the organization of the session' }),
    description: z.string().max(500).optional(),
    event_types: eventFilterSchema.optional(),
  })
  .strict()
  .openapi('CreateWebhook');

export const updateWebhookSchema = z
  .object({
    url: urlSchema.optional(),
    description: z.string().max(500).optional(),
    event_types: eventFilterSchema.optional(),
    enabled: z.boolean().optional().openapi({ description: 'true enables a disabled endpoint again and clears its failure streak' }),
  })
  .strict()
  .openapi('UpdateWebhook');

export const webhookResponseSchema = z.object({ webhook: webhookEndpointSchema }).openapi('WebhookResponse');
export const webhookWithSecretSchema = z
  .object({
    webhook: webhookEndpointSchema,
    secret: z.string().openapi({
      description: 'The signing secret, shown this once: verify each request with it per the Standard Webhooks specification',
      example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    }),
  })
  .openapi('WebhookWithSecret');
export const webhookListSchema = listResponse(webhookEndpointSchema).openapi('WebhookList');

export const webhookDeliverySchema = z
  .object({
    id: z.string().openapi({ example: 'whd_01jd3k5x8r2m9q7v4w6y0z1a2b' }),
    webhook_id: z.string(),
    message_id: z.string().openapi({ description: 'The `webhook-id` header: the same on every attempt and redelivery' }),
    event_type: z.string(),
    status: z.enum(['pending', 'succeeded', 'failed']).openapi({ description: 'pending while attempts remain' }),
    attempts: z.number().int(),
    response_status: z.number().int().nullable().openapi({ description: "The latest attempt's HTTP status; null when no answer came" }),
    duration_ms: z.number().int().nullable(),
    error: z.string().nullable(),
    payload: z.string().openapi({ description: 'The exact body sent and signed' }),
    created_at: timestamp,
    last_attempt_at: timestamp.nullable(),
  })
  .openapi('WebhookDelivery');
export const webhookDeliveryListSchema = listResponse(webhookDeliverySchema).openapi('WebhookDeliveryList');
export const webhookDeliveryResponseSchema = z.object({ delivery: webhookDeliverySchema }).openapi('WebhookDeliveryResponse');
export const webhookTestResponseSchema = z
  .object({ message_id: z.string().openapi({ description: 'The `webhook-id` of the ping; its delivery shows in the log' }) })
  .openapi('WebhookTestResponse');

export const webhookListQuerySchema = listQuerySchema.extend({
  org_id: idSchema.optional().openapi({ param: { name: 'org_id', in: 'query' }, description: 'Defaults to the organization of the session' }),
});
export const webhookParamsSchema = z.object({ id: idParam('id', 'wh_01jd3k5x8r2m9q7v4w6y0z1a2b') });
export const webhookDeliveryParamsSchema = z.object({
  id: idParam('id', 'wh_01jd3k5x8r2m9q7v4w6y0z1a2b'),
  delivery_id: idParam('delivery_id', 'whd_01jd3k5x8r2m9q7v4w6y0z1a2b'),
});
