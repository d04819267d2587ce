// Who is signed in and which organization the dashboard shows. The organization chosen in the switcher is kept per
// browser; every island on a page shares the one session (a module-level promise) and hears about switches.
import { useEffect, useState } from 'react';
import { api, goToLogin, unwrap } from './api.ts';

export type Me = Awaited<ReturnType<typeof loadMe>>;
export type Organization = Me['organizations'][number];

/** Where to go after signing in or up: `?next=` when it is a path of this site (no open redirect), else the dashboard. */
export function safeNext(search: string): string {
  const next = new URLSearchParams(search).get('next');
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/dashboard';
}

const ORG_KEY = 'orochi.org';
const ORG_EVENT = 'orochi:org';

async function loadMe() {
  return unwrap(api.v1.auth.me.$get());
}

let mePromise: Promise<Me> | null = null;

export function getMe(): Promise<Me> {
  mePromise ??= loadMe().catch((error: unknown) => {
    mePromise = null;
    throw error;
  });
  return mePromise;
}

export function currentOrg(me: Me): Organization | null {
  const saved = localStorage.getItem(ORG_KEY);
  return me.organizations.find((o) => o.id === saved) ?? me.organizations.find((o) => o.id === me.current_org_id) ?? me.organizations[0] ?? null;
}

export function switchOrg(orgId: string): void {
  localStorage.setItem(ORG_KEY, orgId);
  window.dispatchEvent(new CustomEvent(ORG_EVENT, { detail: orgId }));
}

export async function signOut(): Promise<void> {
  try {
    await api.v1.auth.logout.$post({ json: {} });
  } finally {
    localStorage.removeItem(ORG_KEY);
    location.assign('/login');
  }
}

export type SessionState = { status: 'loading' } | { status: 'ready'; me: Me; org: Organization } | { status: 'error'; message: string };

/** The signed-in user and the organization in view; sends people without a session to /login. */
export function useSession(): SessionState {
  const [state, setState] = useState<SessionState>({ status: 'loading' });
  useEffect(() => {
    let live = true;
    const load = () =>
      getMe().then(
        (me) => {
          if (!live) return;
          const org = currentOrg(me);
          if (org) setState({ status: 'ready', me, org });
          else setState({ status: 'error', message: 'You are not a member of any organization.' });
        },
        (error: unknown) => {
          if (!live) return;
          if ((error as { status?: number }).status === 401) goToLogin();
          else setState({ status: 'error', message: error instanceof Error ? error.message : String(error) });
        },
      );
    void load();
    window.addEventListener(ORG_EVENT, load);
    return () => {
      live = false;
      window.removeEventListener(ORG_EVENT, load);
    };
  }, []);
  return state;
}
