// The header of every signed-in page: the organization switcher, the live-connection indicator and the account menu.
import { useEffect, useRef, useState } from 'react';
import { useConnectionState } from '../lib/realtime.ts';
import { signOut, switchOrg, useSession } from '../lib/session.ts';

const connectionWords = { connecting: 'Connecting', live: 'Live', reconnecting: 'Reconnecting', polling: 'Offline: refreshing every 5 s' } as const;

export default function AppChrome() {
  const session = useSession();
  const orgId = session.status === 'ready' ? session.org.id : null;
  const connection = useConnectionState(orgId);
  const [menuOpen, setMenuOpen] = useState(false);
  const menuRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!menuOpen) return;
    const close = (event: MouseEvent | KeyboardEvent) => {
      if (event instanceof KeyboardEvent ? event.key === 'Escape' : !menuRef.current?.contains(event.target as Node)) setMenuOpen(false);
    };
    document.addEventListener('mousedown', close);
    document.addEventListener('keydown', close);
    return () => {
      document.removeEventListener('mousedown', close);
      document.removeEventListener('keydown', close);
    };
  }, [menuOpen]);

  if (session.status !== 'ready') return <div className="chrome" aria-busy="true" />;
  const { me, org } = session;
  return (
    <div className="chrome">
      <label className="visually-hidden" htmlFor="org-switcher">Organization</label>
      <select id="org-switcher" value={org.id} onChange={(e) => switchOrg(e.target.value)}>
        {me.organizations.map((o) => (
          <option key={o.id} value={o.id}>{o.name}</option>
        ))}
      </select>
      {connection ? (
        <span className={`connection connection-${connection}`} role="status" aria-live="polite" data-connection={connection}>
          {connectionWords[connection]}
        </span>
      ) : null}
      <div className="account" ref={menuRef}>
        <button type="button" className="btn btn-small" aria-haspopup="menu" aria-expanded={menuOpen} onClick={() => setMenuOpen(!menuOpen)}>
          <span aria-hidden="true" className="avatar">{(me.user.name ?? me.user.email).slice(0, 1).toUpperCase()}</span>
          <span className="visually-hidden">Account menu for </span>
          <span className="account-email">{me.user.email}</span>
        </button>
        {menuOpen ? (
          <div role="menu" className="menu card">
            <p className="muted menu-who">{me.user.name ?? me.user.email}</p>
            <a role="menuitem" href="/regions">Regions</a>
            <a role="menuitem" href="/settings/api-keys">API keys</a>
            <button role="menuitem" type="button" className="btn btn-small" onClick={() => void signOut()}>Sign out</button>
          </div>
        ) : null}
      </div>
    </div>
  );
}
