// One health probe: a new connection as the app role (what a client of the cluster does), `select 1`, closed again;
// timed from the connect to the answer. A failure's reason never carries the password.
import pg from 'pg';
import type { SqlAccess } from '../drivers/driver.ts';
import { errorMessage } from '../log.ts';
import { redactText } from './log-parse.ts';

export interface ProbeResult {
  ok: boolean;
  latency_ms: number | null;
  error: string | null;
}

const PROBE_TIMEOUT_MS = 5_000;
const ERROR_MAX_CHARS = 500;

/** `sharedSession`: the server has one session for all connections (PGlite); the probe then names nothing in it. */
export async function probe(app: SqlAccess['app'], sharedSession = false): Promise<ProbeResult> {
  const client = new pg.Client({
    ...app,
    connectionTimeoutMillis: PROBE_TIMEOUT_MS,
    query_timeout: PROBE_TIMEOUT_MS,
    ...(sharedSession ? {} : { application_name: 'orochi-agent health' }),
  });
  client.on('error', () => undefined);
  const started = performance.now();
  try {
    await client.connect();
    await client.query('select 1');
    return { ok: true, latency_ms: performance.now() - started, error: null };
  } catch (error) {
    return failed(errorMessage(error), app.password);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A failed probe, its reason without the password(s) and within the protocol's length. */
export function failed(reason: string, passwords: string | null | readonly string[]): ProbeResult {
  return { ok: false, latency_ms: null, error: redactText(reason, passwords).slice(0, ERROR_MAX_CHARS) };
}
