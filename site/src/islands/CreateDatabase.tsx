// Create a database: one form in sections (name, version, region, size, storage, password), checked as people
// type with the API's own rules, sent once (an Idempotency-Key makes a repeated submit the same request), then
// the create operation followed live until an agent has picked it up, when the database's page takes over.
// The parts live in create-database/; this island only waits for the session and checks the role.
import { Notice, Spinner } from '../components/ui.tsx';
import { canWriteClusters } from '../lib/cluster-rules.ts';
import { useSession } from '../lib/session.ts';
import { CreateForm } from './create-database/CreateForm.tsx';

export default function CreateDatabase() {
  const session = useSession();
  return (
    <div className="create-db">
      <p className="back-link"><a href="/databases"><span aria-hidden="true">← </span>Databases</a></p>
      <h1>Create a database</h1>
      {session.status === 'loading' ? (
        <Spinner label="Loading" />
      ) : session.status === 'error' ? (
        <Notice>{session.message}</Notice>
      ) : !canWriteClusters(session.org.role) ? (
        <Notice kind="info">
          Your role in {session.org.name} is {session.org.role}, which cannot create databases. Ask an owner, admin or developer of the
          organization.
        </Notice>
      ) : (
        <CreateForm key={session.org.id} org={session.org} />
      )}
    </div>
  );
}
