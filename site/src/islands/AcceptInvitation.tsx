// The link in an invitation mail (/invitations/accept?token=...): a signed-in person joins the organization at once
// and lands on its dashboard. Someone signed out is sent to sign in by the API client (sign-up is one link away
// there), and comes back here afterwards through `?next=`.
import { useEffect, useState } from 'react';
import { api, ApiFailure, errorText, unwrap } from '../lib/api.ts';
import { switchOrg } from '../lib/session.ts';
import { Notice, Spinner } from '../components/ui.tsx';

type State =
  | { kind: 'joining' }
  | { kind: 'joined'; role: string }
  | { kind: 'failed'; message: string };

export default function AcceptInvitation() {
  const [state, setState] = useState<State>({ kind: 'joining' });

  useEffect(() => {
    const token = new URLSearchParams(location.search).get('token');
    if (!token) {
      setState({ kind: 'failed', message: 'This link has no invitation in it. Open the link from the invitation mail again.' });
      return;
    }
    unwrap(api.v1.invitations.accept.$post({ json: { token } })).then(
      ({ membership }) => {
        // The dashboard opens on the organization just joined.
        switchOrg(membership.org_id);
        setState({ kind: 'joined', role: membership.role });
      },
      (error: unknown) => {
        // 401: the client is already on its way to the sign-in page.
        if (!(error instanceof ApiFailure && error.status === 401)) setState({ kind: 'failed', message: errorText(error) });
      },
    );
  }, []);

  switch (state.kind) {
    case 'joining':
      return <Spinner label="Joining the organization" />;
    case 'joined':
      return (
        <>
          <h1>You have joined</h1>
          <Notice kind="success">You are now a member of the organization, as {state.role}.</Notice>
          <p>
            <a className="btn btn-primary" href="/dashboard">
              Open its dashboard
            </a>
          </p>
        </>
      );
    case 'failed':
      return (
        <>
          <h1>The invitation could not be used</h1>
          <Notice>{state.message}</Notice>
          <p className="muted">Ask whoever invited you for a new invitation.</p>
          <p><a href="/dashboard">Go to the dashboard</a></p>
        </>
      );
  }
}
