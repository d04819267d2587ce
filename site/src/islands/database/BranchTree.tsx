// The family of a database as a tree: its parent, itself (marked), its branches and theirs. Each node links to its
// database page, where its connection string is, and says its status and where its data came from.
import { StatusDot } from '../../components/ui.tsx';
import { sourceWords, type BranchNode } from '../../lib/branches.ts';
import { dateTime, timeAgo } from '../../lib/format.ts';
import type { Backup } from '../../../../protocol/resources.ts';
import type { Cluster } from './model.ts';

interface Props {
  root: BranchNode<Cluster>;
  currentId: string;
  backups: Backup[];
}

function Node({ node, currentId, backups }: { node: BranchNode<Cluster>; currentId: string; backups: Backup[] }) {
  const { cluster } = node;
  const current = cluster.id === currentId;
  const origin = cluster.source ? sourceWords(cluster.source, cluster.source.cluster_id === currentId ? backups : []) : '';
  return (
    <li className="db-branch" data-testid="branch-node" data-cluster-id={cluster.id} data-status={cluster.status} aria-current={current ? 'page' : undefined}>
      <div className="db-branch-line">
        <strong>{current ? cluster.name : <a href={`/databases/${cluster.id}`}>{cluster.name}</a>}</strong>
        {current ? <span className="db-branch-badge">this database</span> : null}
        <StatusDot status={cluster.status} />
        {current ? null : (
          <a className="btn btn-small" href={`/databases/${cluster.id}`} aria-label={`Connect to ${cluster.name}: its connection details`} data-testid="branch-connect">
            Connect
          </a>
        )}
      </div>
      <div className="muted db-branch-meta">
        {origin ? <>Branched {origin} · </> : null}
        created{' '}
        <time dateTime={cluster.created_at} title={dateTime(cluster.created_at)}>
          {timeAgo(cluster.created_at)}
        </time>
      </div>
      {node.children.length > 0 ? (
        <ul className="db-branch-children" aria-label={`Branches of ${cluster.name}`}>
          {node.children.map((child) => (
            <Node key={child.cluster.id} node={child} currentId={currentId} backups={backups} />
          ))}
        </ul>
      ) : null}
    </li>
  );
}

export function BranchTree({ root, currentId, backups }: Props) {
  return (
    <ul className="db-branch-tree" data-testid="branch-tree" aria-label="Branches">
      <Node node={root} currentId={currentId} backups={backups} />
    </ul>
  );
}
