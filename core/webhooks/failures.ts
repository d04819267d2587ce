// When an endpoint is given up on, and the retry schedule of one delivery. A delivery is retried through the queue
// (wrangler.toml: orochi-webhooks, max_retries) after 5 s, 15 s, 45 s ... up to 2 h apart, about 7.5 h in all, then
// dead-lettered. An endpoint is disabled once it has failed at least FAILURES_TO_DISABLE attempts in a row over at
// least a day with no success between: a receiver down for an hour keeps its endpoint, one gone for good does not.
export const FAILURES_TO_DISABLE = 10;
export const FAILING_PERIOD_TO_DISABLE_MS = 24 * 60 * 60 * 1000;
export const ATTEMPT_TIMEOUT_MS = 10_000;
/** How long an endpoint's delivery log keeps a delivery. */
export const DELIVERY_LOG_DAYS = 30;

export function retryDelaySeconds(attempts: number): number {
  return Math.min(7200, 5 * 3 ** Math.max(0, attempts - 1));
}

export function shouldDisable(failureStreak: number, failingSince: Date, now = new Date()): boolean {
  return failureStreak >= FAILURES_TO_DISABLE && now.getTime() - failingSince.getTime() >= FAILING_PERIOD_TO_DISABLE_MS;
}
