// API keys of the organization: the list (scope, grants, creator, last use, expiry), creating one (its secret is
// shown once, with a copy button), rotating one with a grace period for the old secret, and revoking one after a
// confirmation. Owners and admins manage keys; others see why they cannot.
import { useCallback, useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { api, errorText, unwrap } from '../lib/api.ts';
import { dateTime, timeAgo } from '../lib/format.ts';
import { useSession, type Organization } from '../lib/session.ts';
import { CopyButton, Notice, Spinner, TextField } from '../components/ui.tsx';
import { permissions } from '../../../protocol/enums.ts';

const keysApi = api.v1['api-keys'];
const listKeys = (orgId: string) => unwrap(keysApi.$get({ query: { org_id: orgId, limit: '100' } }));
const createKey = (json: Parameters<typeof keysApi.$post>[0]['json']) => unwrap(keysApi.$post({ json }));
type ApiKey = Awaited<ReturnType<typeof listKeys>>['data'][number];
type Permission = ApiKey['permissions'][number];
type Issued = { api_key: ApiKey; secret: string; action: 'created' | 'rotated' };

/**
 * The permissions offered for a key with an explicit list (the server checks each against the creator's role): all
 * but what stays with people — deleting the org, paying, and managing keys (keys cannot manage keys).
 */
const KEPT_FROM_KEYS: ReadonlySet<Permission> = new Set(['org:delete', 'billing:write', 'api_keys:manage']);
const PERMISSIONS = permissions.filter((p) => !KEPT_FROM_KEYS.has(p));

const ROLES = ['viewer', 'developer', 'admin', 'billing'] as const;
const EXPIRIES = [
  { label: 'Never', days: 0 },
  { label: '30 days', days: 30 },
  { label: '90 days', days: 90 },
  { label: '1 year', days: 365 },
];
const GRACES = [
  { label: 'None: the old secret stops now', seconds: 0 },
  { label: '1 hour', seconds: 3600 },
  { label: '24 hours', seconds: 86_400 },
  { label: '7 days', seconds: 604_800 },
];

export default function ApiKeys() {
  const session = useSession();
  if (session.status !== 'ready') {
    return (
      <>
        <h1>API keys</h1>
        {session.status === 'loading' ? <Spinner label="Loading your organization…" /> : <Notice>{session.message}</Notice>}
      </>
    );
  }
  return <OrgApiKeys key={session.org.id} org={session.org} />;
}

function OrgApiKeys({ org }: { org: Organization }) {
  const canManage = org.role === 'owner' || org.role === 'admin';
  const [keys, setKeys] = useState<ApiKey[] | null>(null);
  const [projects, setProjects] = useState<Map<string, string>>(new Map());
  const [error, setError] = useState<string | null>(null);
  const [issued, setIssued] = useState<Issued | null>(null);

  const read = useCallback(
    () =>
      listKeys(org.id).then(
        (page) => {
          setKeys(page.data);
          setError(null);
        },
        (e: unknown) => setError(errorText(e)),
      ),
    [org.id],
  );

  useEffect(() => {
    if (!canManage) return;
    void read();
    unwrap(api.v1.projects.$get({ query: { org_id: org.id, limit: '100' } })).then(
      (page) => setProjects(new Map(page.data.map((p) => [p.id, p.name]))),
      () => setProjects(new Map()),
    );
  }, [read, canManage, org.id]);

  const replace = (key: ApiKey) => setKeys((list) => (list ? list.map((k) => (k.id === key.id ? key : k)) : list));

  return (
    <div className="api-keys-page">
      <div className="page-head">
        <div>
          <h1>API keys</h1>
          <p className="muted">
            Keys let programs call the API as <code>Authorization: Bearer oro_…</code>, within a role or a list of permissions, for all of {org.name} or
            one project. A key never holds more than the person who made it.
          </p>
        </div>
      </div>

      {!canManage ? (
        <Notice kind="info">Only owners and admins of {org.name} manage API keys. Your role is {org.role}.</Notice>
      ) : (
        <>
          {issued ? <SecretPanel issued={issued} onDone={() => setIssued(null)} /> : null}

          <section aria-labelledby="keys-title">
            <h2 id="keys-title">Keys</h2>
            {error ? (
              <Notice>
                Could not load the keys: {error}{' '}
                <button type="button" className="btn btn-small" onClick={() => void read()}>Try again</button>
              </Notice>
            ) : null}
            {keys === null ? (
              error ? null : <Spinner label="Loading API keys…" />
            ) : keys.length === 0 ? (
              <div className="empty card"><p>No API keys yet. Create one below.</p></div>
            ) : (
              <KeyTable keys={keys} projects={projects} onRotated={(r) => { replace(r.api_key); setIssued({ ...r, action: 'rotated' }); }} onRevoked={replace} />
            )}
          </section>

          <section aria-labelledby="create-key-title" className="card create-key">
            <h2 id="create-key-title">Create a key</h2>
            <CreateKeyForm
              orgId={org.id}
              projects={projects}
              onCreated={(created) => {
                setKeys((list) => [created.api_key, ...(list ?? [])]);
                setIssued({ ...created, action: 'created' });
              }}
            />
          </section>
        </>
      )}
    </div>
  );
}

function grants(key: ApiKey): ReactNode {
  if (key.role) return <>Role: {key.role}</>;
  return <span className="key-permissions">{key.permissions.join(', ')}</span>;
}

function KeyTable(props: { keys: ApiKey[]; projects: Map<string, string>; onRotated: (r: { api_key: ApiKey; secret: string }) => void; onRevoked: (k: ApiKey) => void }) {
  return (
    <table className="table key-table">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Key</th>
          <th scope="col">Scope</th>
          <th scope="col">Access</th>
          <th scope="col">Created by</th>
          <th scope="col">Last used</th>
          <th scope="col">Expires</th>
          <th scope="col"><span className="visually-hidden">Actions</span></th>
        </tr>
      </thead>
      <tbody>
        {props.keys.map((k) => (
          <tr key={k.id} data-key-id={k.id}>
            <td data-label="Name">
              <strong>{k.name}</strong>
              {k.status !== 'active' ? <span className={`key-status key-${k.status}`}> {k.status === 'revoked' ? 'Revoked' : 'Expired'}</span> : null}
            </td>
            <td data-label="Key"><code>{k.prefix}…</code></td>
            <td data-label="Scope">{k.project_id ? `Project ${props.projects.get(k.project_id) ?? k.project_id}` : 'Organization'}</td>
            <td data-label="Access">{grants(k)}</td>
            <td data-label="Created by">{k.created_by.email ?? <span className="muted">A former member</span>}</td>
            <td data-label="Last used">
              {k.last_used_at ? (
                <>
                  <time dateTime={k.last_used_at} title={dateTime(k.last_used_at)}>{timeAgo(k.last_used_at)}</time>
                  {k.last_used_ip ? <span className="muted"> from {k.last_used_ip}</span> : null}
                </>
              ) : (
                <span className="muted">Never</span>
              )}
            </td>
            <td data-label="Expires">{k.expires_at ? <time dateTime={k.expires_at}>{dateTime(k.expires_at)}</time> : <span className="muted">Never</span>}</td>
            <td data-label="Actions">
              {k.status === 'active' ? (
                <div className="key-actions">
                  <RotateDialog apiKey={k} onRotated={props.onRotated} />
                  <RevokeDialog apiKey={k} onRevoked={props.onRevoked} />
                </div>
              ) : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function CreateKeyForm({ orgId, projects, onCreated }: { orgId: string; projects: Map<string, string>; onCreated: (created: { api_key: ApiKey; secret: string }) => void }) {
  const [name, setName] = useState('');
  const [nameError, setNameError] = useState<string | null>(null);
  const [projectId, setProjectId] = useState('');
  const [mode, setMode] = useState<'role' | 'permissions'>('role');
  const [role, setRole] = useState<(typeof ROLES)[number]>('developer');
  const [chosen, setChosen] = useState<Set<Permission>>(new Set(['clusters:read']));
  const [expiryDays, setExpiryDays] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const ids = { scope: useId(), role: useId(), expiry: useId() };

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    if (!name.trim()) {
      setNameError('Enter a name, such as what the key is for.');
      form.current?.querySelector<HTMLInputElement>('[name="name"]')?.focus();
      return;
    }
    if (mode === 'permissions' && chosen.size === 0) {
      setError('Choose at least one permission.');
      return;
    }
    setBusy(true);
    try {
      const created = await createKey({
        name: name.trim(),
        org_id: orgId,
        ...(projectId ? { project_id: projectId } : {}),
        ...(mode === 'role' ? { role } : { permissions: [...chosen] }),
        ...(expiryDays ? { expires_at: new Date(Date.now() + expiryDays * 86_400_000).toISOString() } : {}),
      });
      setName('');
      onCreated(created);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form ref={form} onSubmit={submit} noValidate className="key-form">
      {error ? <Notice>{error}</Notice> : null}
      <div className="key-fields">
        <TextField
          label="Name"
          name="name"
          autoComplete="off"
          maxLength={100}
          required
          placeholder="CI deploys"
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            setNameError(null);
          }}
          error={nameError}
        />
        <div className="field">
          <label htmlFor={ids.scope}>Scope</label>
          <select id={ids.scope} name="project" value={projectId} onChange={(e) => setProjectId(e.target.value)}>
            <option value="">The whole organization</option>
            {[...projects].map(([id, projectName]) => (
              <option key={id} value={id}>Project {projectName}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.expiry}>Expires</label>
          <select id={ids.expiry} name="expiry" value={expiryDays} onChange={(e) => setExpiryDays(Number(e.target.value))}>
            {EXPIRIES.map((x) => (
              <option key={x.days} value={x.days}>{x.label === 'Never' ? 'Never' : `In ${x.label}`}</option>
            ))}
          </select>
        </div>
      </div>
      <fieldset className="key-access">
        <legend>Access</legend>
        <label className="key-choice">
          <input type="radio" name="mode" value="role" checked={mode === 'role'} onChange={() => setMode('role')} /> A role
        </label>
        <label className="key-choice">
          <input type="radio" name="mode" value="permissions" checked={mode === 'permissions'} onChange={() => setMode('permissions')} /> Chosen permissions
        </label>
        {mode === 'role' ? (
          <div className="field">
            <label htmlFor={ids.role}>Role</label>
            <select id={ids.role} name="role" value={role} onChange={(e) => setRole(e.target.value as (typeof ROLES)[number])}>
              {ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
            </select>
          </div>
        ) : (
          <div className="key-permission-grid">
            {PERMISSIONS.map((p) => (
              <label key={p} className="key-choice">
                <input
                  type="checkbox"
                  name="permissions"
                  value={p}
                  checked={chosen.has(p)}
                  onChange={(e) => {
                    const next = new Set(chosen);
                    if (e.target.checked) next.add(p);
                    else next.delete(p);
                    setChosen(next);
                  }}
                />{' '}
                <code>{p}</code>
              </label>
            ))}
          </div>
        )}
      </fieldset>
      <button type="submit" className="btn btn-primary" disabled={busy}>{busy ? 'Creating…' : 'Create key'}</button>
    </form>
  );
}

function SecretPanel({ issued, onDone }: { issued: Issued; onDone: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
    heading.current?.scrollIntoView({ block: 'start' });
  }, [issued]);
  const grace = issued.api_key.previous_secret_expires_at;
  return (
    <section className="card key-secret" aria-labelledby="key-secret-title">
      <h2 id="key-secret-title" ref={heading} tabIndex={-1}>
        {issued.action === 'created' ? `Key ${issued.api_key.name} created` : `New secret for ${issued.api_key.name}`}
      </h2>
      <div className="notice notice-warning">
        <strong>This secret is shown only once.</strong> Copy it now and keep it somewhere safe: it cannot be shown again.
        {issued.action === 'rotated' ? (grace ? ` The old secret keeps working until ${dateTime(grace)}.` : ' The old secret no longer works.') : null}
      </div>
      <div className="secret-row">
        <pre><code data-testid="api-key-secret">{issued.secret}</code></pre>
        <CopyButton value={issued.secret} label="Copy the API key" />
      </div>
      <button type="button" className="btn" onClick={onDone}>I have saved the key</button>
    </section>
  );
}

/** A modal that confirms one action on a key; focus goes in, Escape closes it, focus returns to its button. */
function KeyDialog(props: {
  opener: string;
  openerClass?: string;
  title: string;
  confirm: string;
  busyLabel: string;
  danger?: boolean;
  children: ReactNode;
  run: () => Promise<void>;
}) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLButtonElement>(null);
  const titleId = useId();

  useEffect(() => {
    const el = dialog.current;
    if (!el) return;
    if (open && !el.open) el.showModal();
    else if (!open && el.open) el.close();
  }, [open]);

  function close() {
    if (busy) return;
    setOpen(false);
    setError(null);
    requestAnimationFrame(() => opener.current?.focus());
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await props.run();
      setBusy(false);
      setOpen(false);
    } catch (e) {
      setBusy(false);
      setError(errorText(e));
    }
  }

  return (
    <>
      <button ref={opener} type="button" className={`btn btn-small ${props.openerClass ?? ''}`} aria-haspopup="dialog" onClick={() => setOpen(true)}>
        {props.opener}
      </button>
      <dialog
        ref={dialog}
        className="key-dialog card"
        aria-labelledby={titleId}
        onCancel={(e) => {
          e.preventDefault();
          close();
        }}
      >
        <form onSubmit={submit} noValidate>
          <h2 id={titleId}>{props.title}</h2>
          {props.children}
          {error ? <Notice>{error}</Notice> : null}
          <div className="key-dialog-actions">
            <button type="button" className="btn" onClick={close} disabled={busy}>Cancel</button>
            <button type="submit" className={`btn ${props.danger ? 'btn-danger' : 'btn-primary'}`} disabled={busy}>{busy ? props.busyLabel : props.confirm}</button>
          </div>
        </form>
      </dialog>
    </>
  );
}

function RotateDialog({ apiKey, onRotated }: { apiKey: ApiKey; onRotated: (r: { api_key: ApiKey; secret: string }) => void }) {
  const [grace, setGrace] = useState(86_400);
  const graceId = useId();
  return (
    <KeyDialog
      opener="Rotate…"
      title={`Rotate ${apiKey.name}?`}
      confirm="Rotate key"
      busyLabel="Rotating…"
      run={async () => {
        const rotated = await unwrap(keysApi[':id'].rotate.$post({ param: { id: apiKey.id }, json: { grace_seconds: grace } }));
        onRotated(rotated);
      }}
    >
      <p>A new secret is issued for the same key. Programs using the old one need the new one before the grace period ends.</p>
      <div className="field">
        <label htmlFor={graceId}>Keep the old secret working for</label>
        <select id={graceId} value={grace} onChange={(e) => setGrace(Number(e.target.value))}>
          {GRACES.map((g) => <option key={g.seconds} value={g.seconds}>{g.label}</option>)}
        </select>
      </div>
    </KeyDialog>
  );
}

function RevokeDialog({ apiKey, onRevoked }: { apiKey: ApiKey; onRevoked: (k: ApiKey) => void }) {
  return (
    <KeyDialog
      opener="Revoke…"
      openerClass="btn-danger"
      title={`Revoke ${apiKey.name}?`}
      confirm="Revoke key"
      busyLabel="Revoking…"
      danger
      run={async () => {
        const revoked = await unwrap(keysApi[':id'].$delete({ param: { id: apiKey.id } }));
        onRevoked(revoked.api_key);
      }}
    >
      <p>
        Programs using <code>{apiKey.prefix}…</code> stop working within seconds. This cannot be undone; create a new key if you need one again.
      </p>
    </KeyDialog>
  );
}
