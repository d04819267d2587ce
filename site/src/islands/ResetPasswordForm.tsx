// Reset password: the token from the mailed link (?token=), a new password twice. The API signs the account out
// everywhere, so the page ends with a way to sign in.
import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiFailure, errorText, unwrap } from '../lib/api.ts';
import { Notice, Spinner, TextField } from '../components/ui.tsx';

export default function ResetPasswordForm() {
  // Read after hydration: the server-rendered HTML cannot know the address.
  const [token, setToken] = useState<string | null>(null);
  useEffect(() => setToken(new URLSearchParams(location.search).get('token') ?? ''), []);
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [show, setShow] = useState(false);
  const [fields, setFields] = useState<{ password?: string; confirm?: string }>({});
  const [error, setError] = useState<string | null>(null);
  const [linkBroken, setLinkBroken] = useState(false);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  if (token === null) return <Spinner />;
  if (token.length < 10) {
    return (
      <div>
        <h1>Reset your password</h1>
        <Notice>This page needs the link from your password reset email, and this address has no valid token in it.</Notice>
        <p><a className="btn btn-primary" href="/forgot-password">Ask for a new link</a></p>
      </div>
    );
  }

  if (done) {
    return (
      <div>
        <h1>Password changed</h1>
        <Notice kind="success">Your new password is set. For your safety, you have been signed out on every device.</Notice>
        <p><a className="btn btn-primary" href="/login">Sign in</a></p>
      </div>
    );
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setLinkBroken(false);
    const problems: { password?: string; confirm?: string } = {};
    if (!password) problems.password = 'Choose a new password.';
    else if (password.length < 8) problems.password = 'Use at least 8 characters.';
    else if (password.length > 128) problems.password = 'Use at most 128 characters.';
    if (!confirm) problems.confirm = 'Enter the password again.';
    else if (confirm !== password) problems.confirm = 'The passwords do not match.';
    setFields(problems);
    if (problems.password || problems.confirm) {
      document.querySelector<HTMLInputElement>(`input[name="${problems.password ? 'password' : 'confirm'}"]`)?.focus();
      return;
    }
    setBusy(true);
    try {
      await unwrap(api.v1.auth['reset-password'].$post({ json: { token: token ?? '', password } }));
      setDone(true);
    } catch (e) {
      setBusy(false);
      if (e instanceof ApiFailure && e.fields.password) setFields({ password: `The password needs ${e.fields.password}.` });
      else if (e instanceof ApiFailure && e.status === 400) {
        setError('This password reset link is invalid, expired or already used.');
        setLinkBroken(true);
      } else setError(errorText(e));
    }
  }

  return (
    <form onSubmit={submit} noValidate>
      <h1>Choose a new password</h1>
      {error ? (
        <Notice>
          {error}
          {linkBroken ? <> <a href="/forgot-password">Ask for a new link</a>.</> : null}
        </Notice>
      ) : null}
      <TextField label="New password" type={show ? 'text' : 'password'} name="password" autoComplete="new-password" required hint="At least 8 characters." value={password} onChange={(e) => setPassword(e.target.value)} error={fields.password} />
      <TextField label="Confirm new password" type={show ? 'text' : 'password'} name="confirm" autoComplete="new-password" required value={confirm} onChange={(e) => setConfirm(e.target.value)} error={fields.confirm} />
      <p><button type="button" className="btn btn-small" aria-pressed={show} onClick={() => setShow(!show)}>{show ? 'Hide' : 'Show'} passwords</button></p>
      <button className="btn btn-primary" type="submit" disabled={busy}>{busy ? 'Saving…' : 'Set new password'}</button>
    </form>
  );
}
