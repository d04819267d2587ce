// Sign up: email, password (twice), an optional organization name suggested from the email's domain, and the
// terms. Checked as people type (after they leave a field) and again by the API, whose field errors land under
// the same fields. The API signs the new account in, so the page moves straight on to the dashboard.
import { useRef, useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiFailure, errorText, unwrap } from '../lib/api.ts';
import { Notice, TextField } from '../components/ui.tsx';
import { safeNext } from '../lib/session.ts';

type Field = 'email' | 'password' | 'confirm' | 'org_name' | 'terms';
const ORDER: Field[] = ['email', 'password', 'confirm', 'org_name', 'terms'];

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
// Addresses at these domains say nothing about the organization, so the suggestion uses the person's name part.
const MAIL_PROVIDERS = new Set(['gmail.com', 'googlemail.com', 'outlook.com', 'hotmail.com', 'live.com', 'yahoo.com', 'icloud.com', 'me.com', 'proton.me', 'protonmail.com', 'aol.com', 'gmx.com', 'gmx.de', 'fastmail.com', 'hey.com', 'mail.com', 'yandex.com']);

/** "jane@acme-labs.io" -> "Acme Labs"; "jane@gmail.com" -> "jane's organization"; nothing for a half-typed address. */
export function suggestOrgName(email: string): string {
  const match = /^([^\s@]+)@([^\s@]+\.[a-z]{2,})$/i.exec(email.trim());
  if (!match) return '';
  const [, local = '', domain = ''] = match;
  const host = domain.toLowerCase();
  if (MAIL_PROVIDERS.has(host)) return `${local}'s organization`.slice(0, 100);
  const labels = host.split('.');
  // The label before the public suffix: acme.co.uk -> acme, eu.acme.io -> acme.
  const name = labels.length > 2 && labels[labels.length - 2]!.length <= 3 ? labels[labels.length - 3]! : labels[labels.length - 2]!;
  return name
    .split(/[-_]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join(' ')
    .slice(0, 100);
}

interface Values {
  email: string;
  password: string;
  confirm: string;
  org_name: string;
  terms: boolean;
}

function check(v: Values): Partial<Record<Field, string>> {
  const errors: Partial<Record<Field, string>> = {};
  if (!v.email.trim()) errors.email = 'Enter your email address.';
  else if (!EMAIL.test(v.email.trim())) errors.email = 'Enter an email address like name@example.com.';
  if (!v.password) errors.password = 'Choose a password.';
  else if (v.password.length < 8) errors.password = 'Use at least 8 characters.';
  else if (v.password.length > 128) errors.password = 'Use at most 128 characters.';
  if (!v.confirm) errors.confirm = 'Enter the password again.';
  else if (v.confirm !== v.password) errors.confirm = 'The passwords do not match.';
  if (v.org_name.trim().length > 100) errors.org_name = 'Use at most 100 characters.';
  if (!v.terms) errors.terms = 'Accept the terms of service to create an account.';
  return errors;
}

export default function SignupForm() {
  const [values, setValues] = useState<Values>({ email: '', password: '', confirm: '', org_name: '', terms: false });
  const [orgEdited, setOrgEdited] = useState(false);
  const [touched, setTouched] = useState<Partial<Record<Field, boolean>>>({});
  const [server, setServer] = useState<Partial<Record<Field, string>>>({});
  const [error, setError] = useState<ReactNode>(null);
  const [busy, setBusy] = useState(false);
  const [show, setShow] = useState(false);
  const form = useRef<HTMLFormElement>(null);

  const local = check(values);
  const fieldError = (f: Field) => server[f] ?? (touched[f] ? local[f] : undefined);

  function set<K extends Field>(field: K, value: Values[K]) {
    setValues((v) => {
      const next = { ...v, [field]: value };
      if (field === 'email' && !orgEdited) next.org_name = suggestOrgName(String(value));
      return next;
    });
    setServer((s) => ({ ...s, [field]: undefined }));
    // A ticked box or a matching confirmation is judged at once; text fields once the person leaves them.
    if (field === 'terms') setTouched((t) => ({ ...t, terms: true }));
  }
  const blur = (field: Field) => () => setTouched((t) => ({ ...t, [field]: true }));

  function focusFirst(errors: Partial<Record<Field, string>>) {
    const first = ORDER.find((f) => errors[f]);
    if (first) form.current?.querySelector<HTMLInputElement>(`[name="${first}"]`)?.focus();
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setTouched({ email: true, password: true, confirm: true, org_name: true, terms: true });
    setServer({});
    setError(null);
    if (Object.keys(local).length > 0) {
      focusFirst(local);
      return;
    }
    setBusy(true);
    try {
      const orgName = values.org_name.trim();
      await unwrap(api.v1.auth.register.$post({ json: { email: values.email.trim(), password: values.password, ...(orgName ? { org_name: orgName } : {}) } }));
      location.assign(safeNext(location.search));
    } catch (e) {
      setBusy(false);
      if (e instanceof ApiFailure && e.status === 409) {
        setServer({ email: 'This email address already has an account.' });
        setError(
          <>
            An account with this email address already exists. <a href="/login">Sign in</a> or <a href="/forgot-password">reset your password</a>.
          </>,
        );
        focusFirst({ email: 'taken' });
        return;
      }
      if (e instanceof ApiFailure && Object.keys(e.fields).length > 0) {
        const mapped: Partial<Record<Field, string>> = {};
        for (const [path, message] of Object.entries(e.fields)) {
          const field = ORDER.find((f) => f === path);
          if (field) mapped[field] = message[0]!.toUpperCase() + message.slice(1) + (message.endsWith('.') ? '' : '.');
        }
        setServer(mapped);
        setError('Some fields need another look.');
        focusFirst(mapped);
        return;
      }
      setError(e instanceof ApiFailure && e.status === 429 ? 'Too many attempts. Wait a few minutes, then try again.' : errorText(e));
    }
  }

  const termsError = fieldError('terms');
  return (
    <form ref={form} onSubmit={submit} noValidate>
      <h1>Create your account</h1>
      <p className="muted">Start with a free database in minutes.</p>
      {error ? <Notice>{error}</Notice> : null}
      <TextField label="Email" type="email" name="email" autoComplete="email" required value={values.email} onChange={(e) => set('email', e.target.value)} onBlur={blur('email')} error={fieldError('email')} />
      <div className="password-row">
        <TextField
          label="Password"
          type={show ? 'text' : 'password'}
          name="password"
          autoComplete="new-password"
          required
          hint="At least 8 characters."
          value={values.password}
          onChange={(e) => set('password', e.target.value)}
          onBlur={blur('password')}
          error={fieldError('password')}
        />
        <button type="button" className="btn btn-small" aria-pressed={show} onClick={() => setShow(!show)}>{show ? 'Hide' : 'Show'} passwords</button>
      </div>
      <TextField label="Confirm password" type={show ? 'text' : 'password'} name="confirm" autoComplete="new-password" required value={values.confirm} onChange={(e) => set('confirm', e.target.value)} onBlur={blur('confirm')} error={fieldError('confirm')} />
      <TextField
        label="Organization name (optional)"
        name="org_name"
        autoComplete="organization"
        hint="Suggested from your email address; you can rename it later."
        maxLength={100}
        value={values.org_name}
        onChange={(e) => {
          setOrgEdited(true);
          set('org_name', e.target.value);
        }}
        onBlur={blur('org_name')}
        error={fieldError('org_name')}
      />
      <div className="field">
        <div className="check-row">
          <input
            id="signup-terms"
            type="checkbox"
            name="terms"
            checked={values.terms}
            onChange={(e) => set('terms', e.target.checked)}
            aria-invalid={termsError ? true : undefined}
            aria-describedby={termsError ? 'signup-terms-error' : undefined}
          />
          <label htmlFor="signup-terms">I agree to the Orochi Cloud terms of service and privacy policy.</label>
        </div>
        {termsError ? <span id="signup-terms-error" className="error" role="alert">{termsError}</span> : null}
      </div>
      <button className="btn btn-primary" type="submit" disabled={busy}>{busy ? 'Creating your account…' : 'Create account'}</button>
    </form>
  );
}
