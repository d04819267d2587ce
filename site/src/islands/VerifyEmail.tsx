// Verify email: with ?token= (the link from the mail) the address is confirmed at once; without one, a signed-in
// person whose address is not yet confirmed can have a new link sent.
import { useEffect, useRef, useState } from 'react';
import { api, ApiFailure, errorText, unwrap } from '../lib/api.ts';
import { getMe, type Me } from '../lib/session.ts';
import { Notice, Spinner } from '../components/ui.tsx';

type State =
  | { kind: 'verifying' }
  | { kind: 'verified'; email: string }
  | { kind: 'failed'; message: string }
  | { kind: 'checking' }
  | { kind: 'signed-out' }
  | { kind: 'signed-in'; me: Me };

const sentence = (text: string) => (/[.!?]$/.test(text) ? text : `${text}.`);

function Resend({ me }: { me: Me }) {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  if (me.user.email_verified) {
    return (
      <>
        <Notice kind="success">Your email address <strong>{me.user.email}</strong> is already confirmed.</Notice>
        <p><a className="btn btn-primary" href="/dashboard">Go to the dashboard</a></p>
      </>
    );
  }
  return (
    <>
      <p>We sent a confirmation link to <strong>{me.user.email}</strong>. Open it to confirm your address.</p>
      <p className="muted">Did not get it? Check your spam folder, or have a new link sent. Earlier links keep working until they expire.</p>
      {result ? <Notice kind={result.ok ? 'success' : 'error'}>{result.text}</Notice> : null}
      <p>
        <button
          type="button"
          className="btn btn-primary"
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            setResult(null);
            try {
              await unwrap(api.v1.auth['verify-email'].resend.$post());
              setResult({ ok: true, text: `A new link is on its way to ${me.user.email}.` });
            } catch (e) {
              const text = e instanceof ApiFailure && e.status === 429 ? 'You asked for several links in a short time. Wait 15 minutes, then try again.' : errorText(e);
              setResult({ ok: e instanceof ApiFailure && e.status === 409, text });
            } finally {
              setBusy(false);
            }
          }}
        >
          {busy ? 'Sending…' : 'Send a new link'}
        </button>
      </p>
      <p><a href="/dashboard">Back to the dashboard</a></p>
    </>
  );
}

export default function VerifyEmail() {
  const [state, setState] = useState<State>({ kind: 'checking' });
  const started = useRef(false);

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    const token = new URLSearchParams(location.search).get('token');
    if (token) {
      setState({ kind: 'verifying' });
      unwrap(api.v1.auth['verify-email'].$post({ json: { token } })).then(
        ({ user }) => setState({ kind: 'verified', email: user.email }),
        (e: unknown) =>
          setState({ kind: 'failed', message: e instanceof ApiFailure && e.code === 'validation_failed' ? 'This verification link is not valid. Check that you opened the whole link from the mail.' : sentence(errorText(e)) }),
      );
      return;
    }
    getMe().then(
      (me) => setState({ kind: 'signed-in', me }),
      () => setState({ kind: 'signed-out' }),
    );
  }, []);

  return (
    <div>
      <h1>Confirm your email address</h1>
      {state.kind === 'checking' || state.kind === 'verifying' ? (
        <p><Spinner label={state.kind === 'verifying' ? 'Confirming your email address…' : 'Loading…'} /></p>
      ) : state.kind === 'verified' ? (
        <>
          <Notice kind="success"><strong>{state.email}</strong> is confirmed. Thank you.</Notice>
          <p><a className="btn btn-primary" href="/dashboard">Go to the dashboard</a></p>
        </>
      ) : state.kind === 'failed' ? (
        <>
          <Notice>{state.message}</Notice>
          <p className="muted">Links work once and expire after 48 hours. You can have a new one sent.</p>
          <p><a className="btn btn-primary" href="/verify-email">Get a new link</a></p>
        </>
      ) : state.kind === 'signed-out' ? (
        <>
          <p>Open the link in the mail we sent you to confirm your address.</p>
          <p className="muted">To have a new link sent, sign in first.</p>
          <p><a className="btn btn-primary" href="/login?next=%2Fverify-email">Sign in</a></p>
        </>
      ) : (
        <Resend me={state.me} />
      )}
    </div>
  );
}
