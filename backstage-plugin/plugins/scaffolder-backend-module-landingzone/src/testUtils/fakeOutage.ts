import type { Waiting } from '../client/types';

/** A downstream system that does not answer while a fake landing zone is at `step`. */
export interface Outage {
  step: string;
  system: string;
  /** The error each failed attempt sees. */
  error: string;
  /** Attempts that fail before the system answers again; `Infinity`: until `endOutage`. */
  failures: number;
}

const FIRST_BACKOFF_SECONDS = 10;
const MAX_BACKOFF_SECONDS = 300;

/** The backoff the fake announces after a failed attempt: 10 s, doubling, capped at 5 minutes. */
export function backoffSeconds(attempt: number): number {
  return Math.min(FIRST_BACKOFF_SECONDS * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS);
}

/**
 * Counts the failed attempts of one step. The fake announces the service's
 * backoff in `next_attempt_at` and `waited_seconds` but retries on its own
 * short timer, so tests never wait for a real backoff.
 */
export class OutageClock {
  failedAttempts = 0;
  waitedSeconds = 0;
  private since: string | undefined;

  constructor(readonly outage: Outage) {}

  fail(step: string, now: Date): Waiting {
    this.failedAttempts += 1;
    const backoff = backoffSeconds(this.failedAttempts);
    this.waitedSeconds += backoff;
    this.since ??= now.toISOString();
    return {
      step,
      system: this.outage.system,
      error: this.outage.error,
      attempts: this.failedAttempts,
      since: this.since,
      next_attempt_at: new Date(now.getTime() + backoff * 1000).toISOString(),
    };
  }
}
