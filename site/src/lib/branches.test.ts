import { describe, expect, it } from 'vitest';
import { belongsToFamily, branchTree, sourceWords, withCluster, type BranchCluster, type BranchNode } from './branches.ts';

function cluster(id: string, parent_id: string | null, over: Partial<BranchCluster> = {}): BranchCluster {
  return {
    id,
    name: id,
    status: 'running',
    parent_id,
    source: parent_id ? { cluster_id: parent_id, backup_id: null, target_time: null } : null,
    created_at: `2026-11-27T10:00:0${id.length % 10}.000Z`,
    updated_at: '2026-11-27T10:00:00.000Z',
    ...over,
  };
}

/** The tree as nested names, to compare at a glance. */
const shape = (node: BranchNode | null): unknown => (node ? { [node.cluster.name]: node.children.map(shape) } : null);

describe('the branch tree', () => {
  it('builds parent, this database, its branches and theirs, oldest first, to the depth asked', () => {
    const clusters = [
      cluster('root', null),
      cluster('me', 'root'),
      cluster('b2', 'me', { created_at: '2026-11-27T11:00:00.000Z' }),
      cluster('b1', 'me', { created_at: '2026-11-27T10:30:00.000Z' }),
      cluster('b1a', 'b1'),
      cluster('b1a-x', 'b1a'),
      cluster('gone', 'me', { status: 'deleted' }),
    ];
    expect(shape(branchTree('root', clusters))).toEqual({ root: [{ me: [{ b1: [{ b1a: [] }] }, { b2: [] }] }] });
    expect(shape(branchTree('me', clusters))).toEqual({ me: [{ b1: [{ b1a: [{ 'b1a-x': [] }] }] }, { b2: [] }] });
    expect(shape(branchTree('me', clusters, 1))).toEqual({ me: [{ b1: [] }, { b2: [] }] });
    expect(branchTree('missing', clusters)).toBeNull();
  });

  it('cannot loop on a cycle', () => {
    expect(shape(branchTree('a', [cluster('a', 'b'), cluster('b', 'a')]))).toEqual({ a: [{ b: [] }] });
  });

  it('takes a new branch and a fresher copy live, and keeps only members of the family', () => {
    const list = [cluster('me', null)];
    const branch = cluster('b1', 'me', { status: 'provisioning', updated_at: '2026-11-27T10:00:01.000Z' });
    expect(belongsToFamily(list, branch)).toBe(true);
    expect(belongsToFamily(list, cluster('stranger', 'other'))).toBe(false);
    let next = withCluster(list, branch);
    next = withCluster(next, { ...branch, status: 'running', updated_at: '2026-11-27T10:00:02.000Z' });
    next = withCluster(next, branch);
    expect(next.map((c) => [c.id, c.status])).toEqual([
      ['me', 'running'],
      ['b1', 'running'],
    ]);
  });

  it("says where a branch's data came from", () => {
    expect(sourceWords(null)).toBe('');
    expect(sourceWords({ cluster_id: 'me', backup_id: null, target_time: null })).toBe('from the newest state then');
    expect(sourceWords({ cluster_id: 'me', backup_id: null, target_time: '2026-11-27T10:15:07.000Z' })).toMatch(/^at Nov 27, 2026, \d+:\d\d:07/);
    expect(sourceWords({ cluster_id: 'me', backup_id: 'bk_1', target_time: null }, [{ id: 'bk_1', started_at: '2026-11-27T03:00:00.000Z', created_at: '2026-11-27T03:00:00.000Z' }])).toMatch(/^from the backup of Nov 27, 2026/);
    expect(sourceWords({ cluster_id: 'me', backup_id: 'bk_2', target_time: null })).toBe('from backup bk_2');
  });
});
