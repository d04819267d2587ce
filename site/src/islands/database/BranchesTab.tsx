// The Branches tab: the database's family (parent, itself, branches two levels down) with each one's status live
// and a link to its page and connection details, and Create branch from now, a time or a backup.
import { Notice, Spinner } from '../../components/ui.tsx';
import { branchTree } from '../../lib/branches.ts';
import { BranchTree } from './BranchTree.tsx';
import { CreateBranchForm } from './CreateBranchForm.tsx';
import { RestoreWindowSummary } from './PointPicker.tsx';
import { Section } from './Section.tsx';
import { useBackups } from './use-backups.ts';
import { BRANCH_LEVELS, useBranches } from './use-branches.ts';
import { useRestoreWindow } from './use-restore-window.ts';
import { canWrite, type Cluster, type Role } from './model.ts';

export function BranchesTab({ cluster, role }: { cluster: Cluster; role: Role | null }) {
  const { family, parentMissing, error, apply } = useBranches(cluster);
  const { backups } = useBackups(cluster);
  const completedKey = (backups ?? []).filter((b) => b.status === 'completed').map((b) => b.id).join(',');
  const { restoreWindow, error: windowError } = useRestoreWindow(cluster, completedKey);
  const rootId = cluster.parent_id && family?.some((c) => c.id === cluster.parent_id) ? cluster.parent_id : cluster.id;
  const tree = family ? branchTree(rootId, family, BRANCH_LEVELS + (rootId === cluster.id ? 0 : 1)) : null;
  const branchCount = family?.filter((c) => c.parent_id === cluster.id && c.status !== 'deleted').length ?? 0;

  return (
    <div className="db-branches-tab">
      <Section title="Branches" testId="branches">
        {parentMissing ? <p className="muted">This database was branched from a database that has since been deleted.</p> : null}
        {error && !family ? <Notice>Could not load the branches: {error}</Notice> : null}
        {!family && !error ? <Spinner label="Loading branches…" /> : null}
        {tree ? <BranchTree root={tree} currentId={cluster.id} backups={backups ?? []} /> : null}
        {family && branchCount === 0 ? <p className="muted" data-testid="no-branches">No branches of {cluster.name} yet.</p> : null}
      </Section>
      <Section title="Create branch" testId="create-branch-section">
        {canWrite(role) ? (
          <>
            <RestoreWindowSummary restoreWindow={restoreWindow} error={windowError} />
            <CreateBranchForm cluster={cluster} backups={backups} restoreWindow={restoreWindow} onCreated={apply} />
          </>
        ) : (
          <Notice kind="info">Your role in this organization ({role ?? 'none'}) can see the branches but not create them.</Notice>
        )}
      </Section>
    </div>
  );
}
