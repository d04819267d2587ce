// The password for user app: optional (the API generates one), with show/hide, a generator, copy, and a strength meter.
import { useState } from 'react';
import { CopyButton } from '../../components/ui.tsx';
import { generatePassword, PASSWORD_MIN, passwordStrength } from '../../lib/cluster-rules.ts';
import { FIELD_INPUTS } from './fields.ts';

interface Props {
  password: string;
  error: string | null;
  onPassword: (password: string) => void;
  /** The password was left with something in it, or generated: it is checked as complete. */
  onPasswordDone: () => void;
}

export function PasswordSection({ password, error, onPassword, onPasswordDone }: Props) {
  const [shown, setShown] = useState(false);
  return (
    <section className="card create-section" aria-labelledby="create-password">
      <h2 id="create-password">Password</h2>
      <div className="field">
        <label htmlFor={FIELD_INPUTS.password}>
          Password for user app <span className="muted">(optional)</span>
        </label>
        <div className="password-controls">
          <input
            id={FIELD_INPUTS.password}
            name="password"
            type={shown ? 'text' : 'password'}
            autoComplete="new-password"
            autoCapitalize="none"
            spellCheck={false}
            value={password}
            onChange={(e) => onPassword(e.target.value)}
            onBlur={() => password !== '' && onPasswordDone()}
            aria-invalid={error ? true : undefined}
            aria-describedby={['db-password-hint', password ? 'db-password-strength' : null, error ? 'db-password-error' : null].filter(Boolean).join(' ')}
          />
          <button type="button" className="btn btn-small" aria-pressed={shown} onClick={() => setShown(!shown)}>
            {shown ? 'Hide' : 'Show'}
            <span className="visually-hidden"> password</span>
          </button>
          <button
            type="button"
            className="btn btn-small"
            onClick={() => {
              onPassword(generatePassword(24));
              setShown(true);
              onPasswordDone();
            }}
          >
            Generate<span className="visually-hidden"> a password</span>
          </button>
          {password ? <CopyButton value={password} label="Copy password" /> : null}
        </div>
        <span id="db-password-hint" className="hint">
          Leave it empty and a strong one is generated; you can reveal it on the database's page. Your own needs at least {PASSWORD_MIN} characters,
          printable and without spaces.
        </span>
        {password ? <StrengthMeter password={password} /> : null}
        {error ? (
          <span id="db-password-error" className="error" role="alert">{error}</span>
        ) : null}
      </div>
    </section>
  );
}

function StrengthMeter({ password }: { password: string }) {
  const strength = passwordStrength(password);
  return (
    <div id="db-password-strength" className="strength" data-score={strength.score}>
      <span className="strength-bar" aria-hidden="true">
        {[1, 2, 3, 4].map((step) => (
          <span key={step} className={step <= strength.score ? 'on' : undefined} />
        ))}
      </span>
      <span>
        Strength: <strong>{strength.label}</strong> <span className="muted">({strength.detail})</span>
      </span>
    </div>
  );
}
