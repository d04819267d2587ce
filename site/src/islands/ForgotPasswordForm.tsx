// Forgot password: one address in, and the same answer whether or not an account uses it (the API says nothing
// about who has an account, and neither does this page).
import { useState, type FormEvent } from 'react';
import { api, ApiFailure, errorText, unwrap } from '../lib/api.ts';
import { Notice, TextField } from '../components/ui.tsx';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export default function ForgotPasswordForm() {
  const [email, setEmail] = useState('');
  const [fieldError, setFieldError] = useState<string | undefined>();
  const [error, setError] = useState<string | null>(null);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const address = email.trim();
    const problem = !address ? 'Enter your email address.' : EMAIL.test(address) ? undefined : 'Enter an email address like name@example.com.';
    setFieldError(problem);
    if (problem) {
      document.querySelector<HTMLInputElement>('input[name="email"]')?.focus();
      return;
    }
    setBusy(true);
    try {
      await unwrap(api.v1.auth['forgot-password'].$post({ json: { email: address } }));
      setSentTo(address);
    } catch (e) {
      if (e instanceof ApiFailure && e.fields.email) setFieldError(`Enter a valid email address (${e.fields.email}).`);
      else setError(e instanceof ApiFailure && e.status === 429 ? 'Too many requests for this address. Wait 15 minutes, then try again.' : errorText(e));
    } finally {
      setBusy(false);
    }
  }

  if (sentTo) {
    return (
      <div>
        <h1>Check your email</h1>
        <Notice kind="success">
          If an account exists for <strong>{sentTo}</strong>, we sent it a link to choose a new password. The link works once and expires in 1 hour.
        </Notice>
        <p className="muted">No mail after a few minutes? Check your spam folder, or <button type="button" className="link-button" onClick={() => setSentTo(null)}>try another address</button>.</p>
      </div>
    );
  }

  return (
    <form onSubmit={submit} noValidate>
      <h1>Reset your password</h1>
      <p className="muted">Enter the email address of your account and we will send you a link to choose a new password.</p>
      {error ? <Notice>{error}</Notice> : null}
      <TextField label="Email" type="email" name="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} error={fieldError} />
      <button className="btn btn-primary" type="submit" disabled={busy}>{busy ? 'Sending…' : 'Send reset link'}</button>
    </form>
  );
}
