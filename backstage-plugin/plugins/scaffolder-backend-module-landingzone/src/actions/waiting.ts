import type { ProgressEvent, Waiting } from '../client/types';

/**
 * Waits for a downstream outage, as the task log shows them. The service emits
 * `waiting` after each failed attempt and `resumed` once the system answers
 * again; the landing zone itself keeps its status meanwhile.
 */

/** `40s`, `2m 10s`, `1h 5m`: the way the service writes durations. */
export function formatDuration(totalSeconds: number): string {
  const seconds = Math.max(0, Math.round(totalSeconds));
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  if (hours > 0) {
    return minutes > 0 ? `${hours}h ${minutes}m` : `${hours}h`;
  }
  if (minutes > 0) {
    return rest > 0 ? `${minutes}m ${rest}s` : `${minutes}m`;
  }
  return `${rest}s`;
}

/** `12:03:04Z`, or the ISO text itself when it is not a date. */
export function clockTime(iso: string): string {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? iso : `${at.toISOString().slice(11, 19)}Z`;
}

/** When the next attempt is, seen from `now`: `12:03:04Z (in 40s)`. */
export function nextAttempt(nextAttemptAt: string, now: string): string {
  const wait = (Date.parse(nextAttemptAt) - Date.parse(now)) / 1000;
  const clock = clockTime(nextAttemptAt);
  return Number.isFinite(wait) && wait >= 0 ? `${clock} (in ${formatDuration(wait)})` : clock;
}

type WaitingData = Pick<Waiting, 'system' | 'error' | 'attempts' | 'next_attempt_at'>;

function waitingData(event: ProgressEvent): WaitingData | undefined {
  const { system, error, attempts, next_attempt_at: nextAt } = event.data ?? {};
  if (typeof system !== 'string' || typeof error !== 'string') return undefined;
  if (typeof attempts !== 'number' || typeof nextAt !== 'string') return undefined;
  return { system, error, attempts, next_attempt_at: nextAt };
}

/** `waiting for bitbucket (attempt 3): HTTP 503 …; next attempt at 12:03:04Z (in 40s)` */
export function waitingMessage(event: ProgressEvent): string | undefined {
  const data = waitingData(event);
  if (!data) return undefined;
  const next = nextAttempt(data.next_attempt_at, event.at);
  return `waiting for ${data.system} (attempt ${data.attempts}): ${data.error}; next attempt at ${next}`;
}

/** `bitbucket answered again after 3 attempts (2m 10s)` */
export function resumedMessage(event: ProgressEvent): string | undefined {
  const { system, attempts, waited_seconds: waited } = event.data ?? {};
  if (typeof system !== 'string' || typeof attempts !== 'number' || typeof waited !== 'number') {
    return undefined;
  }
  const tries = attempts === 1 ? '1 attempt' : `${attempts} attempts`;
  return `${system} answered again after ${tries} (${formatDuration(waited)})`;
}

/**
 * What waits right now, as the events tell it: the fallback when the service
 * cannot be asked (the action's timeout may elapse while it is unreachable).
 */
export class OutageWatch {
  private readonly byStep = new Map<string, Waiting>();

  observe(event: ProgressEvent): void {
    const step = event.step;
    if (!step) return;
    if (event.kind === 'waiting') {
      const data = waitingData(event);
      if (data) {
        const since = this.byStep.get(step)?.since ?? event.at;
        this.byStep.set(step, { step, since, ...data });
      }
    } else if (event.kind !== 'info') {
      this.byStep.delete(step);
    }
  }

  get current(): Waiting[] {
    return [...this.byStep.values()];
  }
}

/** `bitbucket`, `bitbucket and jenkins`: each system once, in order. */
export function systemsOf(waiting: readonly Waiting[]): string {
  const systems = [...new Set(waiting.map(w => w.system))];
  return systems.length > 1
    ? `${systems.slice(0, -1).join(', ')} and ${systems[systems.length - 1]}`
    : (systems[0] ?? 'a downstream system');
}
