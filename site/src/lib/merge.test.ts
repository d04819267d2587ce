import { describe, expect, it } from 'vitest';
import { fresher, mergeById, mergeFetched } from './merge.ts';

describe('merging live updates with answers that arrive late', () => {
  const pending = { id: 'op_1', status: 'pending', updated_at: '2026-11-27T10:00:00.000Z' };
  const waiting = { id: 'op_1', status: 'running', updated_at: '2026-11-27T10:00:00.040Z' };

  it("keeps the live update when the mutation's older answer comes after it", () => {
    expect(mergeById([waiting], pending)).toEqual([waiting]);
    expect(fresher(waiting, pending)).toBe(waiting);
  });

  it('takes a newer copy, an equally new one, and new records', () => {
    expect(mergeById([pending], waiting)).toEqual([waiting]);
    expect(fresher(waiting, { ...waiting, status: 'finished' })).toMatchObject({ status: 'finished' });
    expect(mergeById([waiting], { id: 'op_2', updated_at: '2026-11-27T10:00:01.000Z', status: 'pending' }).map((o) => o.id)).toEqual(['op_2', 'op_1']);
    expect(fresher(null, pending)).toBe(pending);
  });

  it('keeps a live update when a read made before the catalog caught up comes back with the older copy', () => {
    const running = { id: 'cl_1', status: 'running', updated_at: '2026-11-27T10:00:02.000Z' };
    const provisioning = { id: 'cl_1', status: 'provisioning', updated_at: '2026-11-27T10:00:00.000Z' };
    const other = { id: 'cl_2', status: 'running', updated_at: '2026-11-27T09:00:00.000Z' };
    expect(mergeFetched([running], [provisioning, other])).toEqual([running, other]);
    expect(mergeFetched(null, [provisioning])).toEqual([provisioning]);
  });
});
