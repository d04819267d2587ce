// Regions: the shared ones and the organization's own, re-read every 10 s while the page is open (regions have no
// realtime channel). Owners and admins can create one; its one-time registration token and install command are
// shown once, right after, and the region waits as pending until its agent connects.
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { api, ApiFailure, errorText, unwrap } from '../lib/api.ts';
import { dateTime, statusLabel, timeAgo } from '../lib/format.ts';
import { useSession, type Organization } from '../lib/session.ts';
import { CopyButton, Notice, Spinner, StatusDot, TextField } from '../components/ui.tsx';
import { DNS_LABEL_PATTERN } from '../../../protocol/cluster-rules.ts';
import { loadRegions, type RegionRow } from '../lib/regions.ts';

const createRegion = (json: { name: string; provider: string; driver: 'kubernetes' | 'local'; org_id: string }) => unwrap(api.v1.regions.$post({ json }));
type Region = RegionRow;
type Registration = Awaited<ReturnType<typeof createRegion>>;

const POLL_MS = 10_000;
const PROVIDERS = ['aws', 'gcp', 'azure', 'onprem', 'local'];

export default function Regions() {
  const session = useSession();
  if (session.status === 'loading') {
    return (
      <>
        <h1>Regions</h1>
        <Spinner label="Loading your organization…" />
      </>
    );
  }
  if (session.status === 'error') {
    return (
      <>
        <h1>Regions</h1>
        <Notice>{session.message}</Notice>
      </>
    );
  }
  return <OrgRegions key={session.org.id} org={session.org} />;
}

function OrgRegions({ org }: { org: Organization }) {
  const [regions, setRegions] = useState<Region[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [registration, setRegistration] = useState<Registration | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const known = useRef<Map<string, string> | null>(null);
  const canManage = org.role === 'owner' || org.role === 'admin';

  const read = useCallback(
    () =>
      loadRegions(org.id).then(
        (data) => {
          // Say when a region comes online or drops off (not on the first read).
          const before = known.current;
          const changed = before ? data.filter((r) => before.has(r.id) && before.get(r.id) !== r.status) : [];
          if (changed.length > 0) setAnnouncement(changed.map((r) => `Region ${r.name}: ${statusLabel(r.status)}`).join('. '));
          known.current = new Map(data.map((r) => [r.id, r.status]));
          setRegions(data);
          setError(null);
        },
        (e: unknown) => setError(errorText(e)),
      ),
    [org.id],
  );

  useEffect(() => {
    void read();
    const timer = setInterval(() => {
      if (!document.hidden) void read();
    }, POLL_MS);
    const onVisible = () => {
      if (!document.hidden) void read();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [read]);

  return (
    <div className="regions-page">
      <div className="page-head">
        <div>
          <h1>Regions</h1>
          <p className="muted">Where your databases can run: the shared regions, and data planes of your own that run the Orochi agent.</p>
        </div>
      </div>
      <div className="visually-hidden" role="status" aria-live="polite">{announcement}</div>

      {registration ? (
        <RegistrationPanel
          registration={registration}
          onDone={() => {
            setRegistration(null);
            document.getElementById('create-title')?.scrollIntoView({ block: 'nearest' });
          }}
        />
      ) : null}

      <section aria-labelledby="list-title">
        <h2 id="list-title">All regions</h2>
        {error ? (
          <Notice>
            Could not load the regions: {error}{' '}
            <button type="button" className="btn btn-small" onClick={() => void read()}>Try again</button>
          </Notice>
        ) : null}
        {regions === null ? (
          error ? null : <Spinner label="Loading regions…" />
        ) : regions.length === 0 ? (
          <div className="empty card">
            <p>No regions yet.</p>
            {canManage ? <p>Create one below to run databases on your own infrastructure.</p> : null}
          </div>
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Provider</th>
                <th scope="col">Driver</th>
                <th scope="col">Visibility</th>
                <th scope="col">Status</th>
                <th scope="col">Agent version</th>
                <th scope="col">Last seen</th>
              </tr>
            </thead>
            <tbody>
              {regions.map((r) => (
                <tr key={r.id}>
                  <td data-label="Name"><strong>{r.name}</strong></td>
                  <td data-label="Provider">{r.provider}</td>
                  <td data-label="Driver">{r.driver === 'kubernetes' ? 'Kubernetes' : 'Local'}</td>
                  <td data-label="Visibility">{r.visibility === 'shared' ? 'Shared' : 'This organization'}</td>
                  <td data-label="Status"><StatusDot status={r.status} /></td>
                  <td data-label="Agent version">{r.agent_version ?? <span className="muted">Not connected yet</span>}</td>
                  <td data-label="Last seen">
                    {r.last_seen_at ? <time dateTime={r.last_seen_at} title={dateTime(r.last_seen_at)}>{timeAgo(r.last_seen_at)}</time> : <span className="muted">Never</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <p className="muted poll-note">This list refreshes every 10 seconds.</p>
      </section>

      <section aria-labelledby="create-title" className="card create-region">
        <h2 id="create-title">Create a region</h2>
        {canManage ? (
          <CreateRegionForm
            orgId={org.id}
            onCreated={(created) => {
              setRegistration(created);
              setRegions((list) => (list && !list.some((r) => r.id === created.region.id) ? [created.region, ...list] : list));
              void read();
            }}
          />
        ) : (
          <p className="muted">
            Only owners and admins of {org.name} can create regions. Your role is {org.role}; ask an owner or admin if you need one.
          </p>
        )}
      </section>
    </div>
  );
}

type FormField = 'name' | 'provider' | 'driver';

function checkName(name: string): string | undefined {
  if (!name) return 'Enter a name.';
  if (name.length > 63) return 'Use at most 63 characters.';
  if (!DNS_LABEL_PATTERN.test(name)) return 'Use lowercase letters, digits and hyphens, not starting or ending with a hyphen.';
  return undefined;
}
function checkProvider(provider: string): string | undefined {
  if (!provider) return 'Enter the provider, such as aws or onprem.';
  if (provider.length > 32) return 'Use at most 32 characters.';
  if (!DNS_LABEL_PATTERN.test(provider)) return 'Use lowercase letters, digits and hyphens, not starting or ending with a hyphen.';
  return undefined;
}

function CreateRegionForm({ orgId, onCreated }: { orgId: string; onCreated: (registration: Registration) => void }) {
  const [name, setName] = useState('');
  const [provider, setProvider] = useState('');
  const [driver, setDriver] = useState<'kubernetes' | 'local'>('kubernetes');
  const [touched, setTouched] = useState<Partial<Record<FormField, boolean>>>({});
  const [server, setServer] = useState<Partial<Record<FormField, string>>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);

  const local = { name: checkName(name), provider: checkProvider(provider) };
  const shown = (f: 'name' | 'provider') => server[f] ?? (touched[f] ? local[f] : undefined);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setTouched({ name: true, provider: true });
    setServer({});
    setError(null);
    const first = local.name ? 'name' : local.provider ? 'provider' : null;
    if (first) {
      form.current?.querySelector<HTMLInputElement>(`[name="${first}"]`)?.focus();
      return;
    }
    setBusy(true);
    try {
      const created = await createRegion({ name, provider, driver, org_id: orgId });
      setName('');
      setProvider('');
      setTouched({});
      onCreated(created);
    } catch (e) {
      if (e instanceof ApiFailure && e.status === 409) {
        setServer({ name: `A region named "${name}" already exists. Choose another name.` });
        form.current?.querySelector<HTMLInputElement>('[name="name"]')?.focus();
      } else if (e instanceof ApiFailure && Object.keys(e.fields).length > 0) {
        const mapped: Partial<Record<FormField, string>> = {};
        for (const f of ['name', 'provider', 'driver'] as const) if (e.fields[f]) mapped[f] = `This ${f} is not valid: ${e.fields[f]}.`;
        setServer(mapped);
        if (Object.keys(mapped).length === 0) setError(errorText(e));
      } else if (e instanceof ApiFailure && e.status === 403) {
        setError('Your role does not allow creating regions. Ask an owner or admin of the organization.');
      } else {
        setError(errorText(e));
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <form ref={form} onSubmit={submit} noValidate className="region-form">
      <p className="muted">A region is a data plane you run: a Kubernetes cluster, or one machine with the local driver. You get a one-time token to install its agent.</p>
      {error ? <Notice>{error}</Notice> : null}
      <div className="region-fields">
        <TextField
          label="Name"
          name="name"
          autoComplete="off"
          spellCheck={false}
          maxLength={63}
          required
          placeholder="eu-west-1"
          hint="Lowercase letters, digits and hyphens; at most 63 characters."
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            setServer((s) => ({ ...s, name: undefined }));
          }}
          onBlur={() => setTouched((t) => ({ ...t, name: true }))}
          error={shown('name')}
        />
        <TextField
          label="Provider"
          name="provider"
          autoComplete="off"
          spellCheck={false}
          maxLength={32}
          required
          list="region-providers"
          placeholder="aws"
          hint="Where it runs: aws, gcp, azure, onprem, local…"
          value={provider}
          onChange={(e) => {
            setProvider(e.target.value);
            setServer((s) => ({ ...s, provider: undefined }));
          }}
          onBlur={() => setTouched((t) => ({ ...t, provider: true }))}
          error={shown('provider')}
        />
        <datalist id="region-providers">
          {PROVIDERS.map((p) => <option key={p} value={p} />)}
        </datalist>
        <div className="field">
          <label htmlFor="region-driver">Driver</label>
          <select
            id="region-driver"
            name="driver"
            value={driver}
            onChange={(e) => setDriver(e.target.value === 'local' ? 'local' : 'kubernetes')}
            aria-describedby={`region-driver-hint${server.driver ? ' region-driver-error' : ''}`}
            aria-invalid={server.driver ? true : undefined}
          >
            <option value="kubernetes">Kubernetes</option>
            <option value="local">Local (one machine)</option>
          </select>
          <span id="region-driver-hint" className="hint">How the agent runs databases.</span>
          {server.driver ? <span id="region-driver-error" className="error" role="alert">{server.driver}</span> : null}
        </div>
      </div>
      <button type="submit" className="btn btn-primary" disabled={busy}>{busy ? 'Creating…' : 'Create region'}</button>
    </form>
  );
}

function RegistrationPanel({ registration, onDone }: { registration: Registration; onDone: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
    heading.current?.scrollIntoView({ block: 'start' });
  }, []);
  const { region, registration_token: token, registration_expires_at: expires, install } = registration;
  return (
    <section className="card registration" aria-labelledby="registration-title">
      <h2 id="registration-title" ref={heading} tabIndex={-1}>Install the agent of {region.name}</h2>
      <div className="notice notice-warning">
        <strong>This token is shown only once.</strong> Copy it (or the install command) now: it cannot be shown again, works once, and
        expires {dateTime(expires)}.
      </div>
      <div className="secret-block">
        <h3>Registration token</h3>
        <div className="secret-row">
          <pre><code>{token}</code></pre>
          <CopyButton value={token} label="Copy the registration token" />
        </div>
      </div>
      <div className="secret-block">
        <h3>Install command</h3>
        <p className="muted">Run it where the agent should live.</p>
        <div className="secret-row">
          <pre><code>{install.command}</code></pre>
          <CopyButton value={install.command} label="Copy the install command" />
        </div>
      </div>
      {install.manifest_url ? (
        <div className="secret-block">
          <h3>Kubernetes manifests</h3>
          <div className="secret-row">
            <pre><code>{install.manifest_url}</code></pre>
            <CopyButton value={install.manifest_url} label="Copy the manifests URL" />
          </div>
        </div>
      ) : null}
      <p className="muted">The region is listed as waiting for its agent until the agent connects.</p>
      <button type="button" className="btn" onClick={onDone}>I have saved the token</button>
    </section>
  );
}
