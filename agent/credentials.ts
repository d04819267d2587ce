// The agent's region credential: exchanged once for the registration token (POST /v1/agent/register),
// renewed at 80% of its lifetime (POST /v1/agent/token), and exchanged again when the control plane refuses
// it and a registration token is at hand. Every failure is retried with backoff, forever: an agent must
// come back on its own after an outage, however long.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { Backoff, sleep, type BackoffOptions } from '../protocol/backoff.ts';
import { errorMessage, type Logger } from './log.ts';
import type { StateStore } from './state-store.ts';
import { AGENT_VERSION } from './version.ts';

const registrationSchema = z.object({
  region_id: z.string().min(1),
  credential: z.string().min(1),
  expires_at: z.string(),
  region_key: z.string().min(1),
});
const renewalSchema = z.object({ credential: z.string().min(1), expires_at: z.string() });

export interface CredentialsOptions {
  url: string;
  registrationToken: string | null;
  state: StateStore;
  log: Logger;
  backoff: BackoffOptions;
  /** Fraction of the credential's lifetime after which it is renewed. */
  renewAfter?: number;
  requestTimeoutMs?: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(`HTTP ${status}${detail ? `: ${detail}` : ''}`);
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export class AgentCredentials {
  private readonly abort = new AbortController();
  private renewTimer: NodeJS.Timeout | null = null;
  private registering: Promise<string> | null = null;
  private renewing = false;
  private warnedExpired = false;
  /** A new registration token the control plane refused while the agent still had a credential to fall back on. */
  private refusedToken = false;

  constructor(private readonly options: CredentialsOptions) {}

  /** Whether this agent can ever get a credential: it has one, or a token to exchange for one. */
  get usable(): boolean {
    return this.options.state.data.credential !== null || this.options.registrationToken !== null;
  }

  /**
   * A credential to connect with, registering first when there is none or when a registration token other
   * than the one already exchanged was given (the agent is being pointed at a new region). Waits, retrying,
   * until it has one; rejects only when stopped.
   */
  async current(): Promise<string> {
    const { state, registrationToken } = this.options;
    const newToken =
      registrationToken !== null && !this.refusedToken && state.data.registration_token_sha256 !== sha256(registrationToken);
    if (state.data.credential === null || newToken) return this.register();
    if (!this.warnedExpired && state.data.expires_at && Date.parse(state.data.expires_at) <= Date.now()) {
      // Renewal needs a credential that is still valid: one that expired while the agent was stopped is
      // refused, and only a new registration token gets the agent back in.
      this.warnedExpired = true;
      this.options.log.warn('the stored agent credential has expired; the control plane will refuse it', {
        expires_at: state.data.expires_at,
        hint: 'if the connection is refused, restart the agent with a new registration token for this region',
      });
    }
    this.scheduleRenewal();
    return state.data.credential;
  }

  /** The control plane answered 401 to this credential: drop it and register again, if a token allows. */
  async rejected(): Promise<void> {
    const { state, registrationToken, log } = this.options;
    if (registrationToken === null) {
      log.error('the control plane refused the agent credential and there is no registration token to register again; retrying', {
        hint: 'create a new registration token for this region and restart the agent with --token or OROCHI_REGISTRATION_TOKEN',
      });
      return;
    }
    log.warn('the control plane refused the agent credential; registering again with the registration token');
    state.data.credential = null;
    state.data.expires_at = null;
    state.data.obtained_at = null;
    await state.commit();
  }

  stop(): void {
    this.abort.abort();
    if (this.renewTimer) clearTimeout(this.renewTimer);
    this.renewTimer = null;
  }

  private register(): Promise<string> {
    this.registering ??= this.registerWithRetry().finally(() => {
      this.registering = null;
    });
    return this.registering;
  }

  private async registerWithRetry(): Promise<string> {
    const { state, log, registrationToken } = this.options;
    if (registrationToken === null) throw new Error('no agent credential and no registration token: pass --token or set OROCHI_REGISTRATION_TOKEN');
    const backoff = new Backoff(this.options.backoff);
    while (!this.abort.signal.aborted) {
      try {
        const body = registrationSchema.parse(
          await this.post('/v1/agent/register', { registration_token: registrationToken, agent_version: AGENT_VERSION }, null),
        );
        if (state.data.region_id !== null && state.data.region_id !== body.region_id) {
          log.warn('registered to a different region than the one recorded; clusters of the old region are kept and reported as orphans', {
            previous_region_id: state.data.region_id,
            region_id: body.region_id,
          });
        }
        state.data.region_id = body.region_id;
        state.data.region_key = body.region_key;
        state.data.credential = body.credential;
        state.data.expires_at = body.expires_at;
        state.data.obtained_at = new Date().toISOString();
        state.data.registration_token_sha256 = sha256(registrationToken);
        await state.commit();
        log.info('registered with the control plane', { region_id: body.region_id, expires_at: body.expires_at });
        this.scheduleRenewal();
        return body.credential;
      } catch (error) {
        if (error instanceof HttpError && error.status === 401 && state.data.credential !== null) {
          // A token other than the one this agent registered with was refused: keep working with the credential it has.
          this.refusedToken = true;
          log.error('the new registration token was refused; carrying on with the credential already held', {
            status: error.status,
            detail: error.detail,
            region_id: state.data.region_id,
          });
          return state.data.credential;
        }
        const delay = backoff.next();
        if (error instanceof HttpError && error.status === 401) {
          log.error('the registration token was refused (already used, expired, or its region deleted); retrying', {
            status: error.status,
            detail: error.detail,
            retry_in_ms: delay,
            hint: 'create a new registration token for this region and restart the agent with it',
          });
        } else {
          log.warn('registration failed; retrying', { error: errorMessage(error), retry_in_ms: delay });
        }
        await sleep(delay, this.abort.signal);
      }
    }
    throw new Error('agent stopped');
  }

  private scheduleRenewal(): void {
    if (this.renewTimer || this.renewing || this.abort.signal.aborted) return;
    const { state } = this.options;
    if (!state.data.expires_at) return;
    const expires = Date.parse(state.data.expires_at);
    const obtained = state.data.obtained_at ? Date.parse(state.data.obtained_at) : Date.now();
    const lifetime = Math.max(0, expires - obtained);
    const at = obtained + lifetime * (this.options.renewAfter ?? 0.8);
    // setTimeout holds at most ~24.8 days; a longer wait is re-armed when it fires (renew() checks the time).
    const delay = Math.min(Math.max(0, at - Date.now()), 2 ** 31 - 1);
    this.renewTimer = setTimeout(() => {
      this.renewTimer = null;
      void this.renew();
    }, delay);
  }

  private async renew(): Promise<void> {
    const { state, log } = this.options;
    this.renewing = true;
    const backoff = new Backoff(this.options.backoff);
    try {
      while (!this.abort.signal.aborted && state.data.credential !== null) {
        const expires = state.data.expires_at ? Date.parse(state.data.expires_at) : 0;
        const obtained = state.data.obtained_at ? Date.parse(state.data.obtained_at) : 0;
        if (expires - Date.now() > (expires - obtained) * (1 - (this.options.renewAfter ?? 0.8)) + 1000) {
          break; // re-armed early (a long wait, or someone else renewed): nothing to do yet
        }
        try {
          const body = renewalSchema.parse(await this.post('/v1/agent/token', {}, state.data.credential));
          state.data.credential = body.credential;
          state.data.expires_at = body.expires_at;
          state.data.obtained_at = new Date().toISOString();
          await state.commit();
          log.info('renewed the agent credential', { expires_at: body.expires_at });
          break;
        } catch (error) {
          if (error instanceof HttpError && error.status === 401) {
            await this.rejected();
            if (state.data.credential === null) {
              // The connection loop registers again on its next attempt; do it now so a live socket keeps a
              // renewable credential without waiting for a disconnect.
              void this.register().catch(() => undefined);
              return;
            }
          }
          const delay = backoff.next();
          log.warn('credential renewal failed; retrying', { error: errorMessage(error), retry_in_ms: delay });
          await sleep(delay, this.abort.signal);
        }
      }
    } finally {
      this.renewing = false;
    }
    this.scheduleRenewal();
  }

  private async post(path: string, body: unknown, bearer: string | null): Promise<unknown> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.options.requestTimeoutMs ?? 15_000)]);
    const response = await fetch(new URL(path, this.options.url), { method: 'POST', headers, body: JSON.stringify(body), signal });
    const text = await response.text();
    if (!response.ok) throw new HttpError(response.status, errorDetail(text));
    return JSON.parse(text);
  }
}

/** The control plane's error message, if its body is the API's JSON error; never the whole body. */
function errorDetail(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    const code = typeof body.error?.code === 'string' ? body.error.code : '';
    const message = typeof body.error?.message === 'string' ? body.error.message : '';
    return [code, message].filter(Boolean).join(': ').slice(0, 300);
  } catch {
    return '';
  }
}
