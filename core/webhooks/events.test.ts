import { describe, expect, it } from 'vitest';
import { eventBody, webhookEventOf } from './events.ts';

describe('webhook events from live updates', () => {
  it('maps cluster status, operation and backup updates, and nothing else', () => {
    const cluster = { id: 'cl_1', status: 'running' };
    expect(webhookEventOf({ type: 'cluster.status', cluster } as never)).toEqual({ type: 'cluster.updated', data: { cluster } });
    expect(webhookEventOf({ type: 'operation.updated', operation: { id: 'op_1' } } as never)).toEqual({ type: 'operation.updated', data: { operation: { id: 'op_1' } } });
    expect(webhookEventOf({ type: 'backup.updated', backup: { id: 'bk_1' } } as never)).toEqual({ type: 'backup.updated', data: { backup: { id: 'bk_1' } } });
    expect(webhookEventOf({ type: 'log.entry' } as never)).toBeNull();
    expect(webhookEventOf({ type: 'metrics.update' } as never)).toBeNull();
  });

  it('sends the Standard Webhooks body: type, timestamp and data only', () => {
    const body = eventBody({ message_id: 'msg_1', org_id: 'org_1', type: 'backup.updated', timestamp: '2026-11-27T12:00:00.000Z', data: { backup: { id: 'bk_1' } } });
    expect(JSON.parse(body)).toEqual({ type: 'backup.updated', timestamp: '2026-11-27T12:00:00.000Z', data: { backup: { id: 'bk_1' } } });
  });
});
