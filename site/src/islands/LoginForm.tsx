// Sign in: email and password; the API sets the session cookies and the page moves on to where the user was going.
// The fields are uncontrolled (read on submit): what someone types before the page's script has loaded survives
// hydration, which a controlled input would reset.
import { useState, type FormEvent } from 'react';
import { api, ApiFailure, errorText, unwrap } from '../lib/api.ts';
import { Notice, TextField } from '../components/ui.tsx';
import { safeNext } from '../lib/session.ts';

export default function LoginForm() {
  const [show, setShow] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const email = String(form.get('email') ?? '');
    const password = String(form.get('password') ?? '');
    const missing: Record<string, string> = {};
    if (!email.trim()) missing.email = 'Enter your email address.';
    if (!password) missing.password = 'Enter your password.';
    setFields(missing);
    setError(null);
    if (Object.keys(missing).length > 0) return;
    setBusy(true);
    try {
      await unwrap(api.v1.auth.login.$post({ json: { email, password } }));
      location.assign(safeNext(location.search));
    } catch (e) {
      setBusy(false);
      if (e instanceof ApiFailure && e.status === 429) setError('Too many attempts. Wait a few minutes, then try again.');
      else setError(errorText(e));
      if (e instanceof ApiFailure) setFields(e.fields);
    }
  }

  return (
    <form onSubmit={submit} noValidate>
      <h1>Welcome back</h1>
      <p className="muted">Sign in to your account</p>
      {error ? <Notice>{error}</Notice> : null}
      <TextField label="Email" type="email" name="email" autoComplete="email" error={fields.email} />
      <div className="password-row">
        <TextField label="Password" type={show ? 'text' : 'password'} name="password" autoComplete="current-password" error={fields.password} />
        <button type="button" className="btn btn-small" aria-pressed={show} onClick={() => setShow(!show)}>{show ? 'Hide' : 'Show'} password</button>
      </div>
      <button className="btn btn-primary" type="submit" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
    </form>
  );
}
