import type { LandingZoneClient } from '../client/LandingZoneClient';
import type { Waiting } from '../client/types';
import { clockTime, type OutageWatch, systemsOf } from './waiting';

/**
 * The error the step ends with when its own timeout elapses. The landing zone
 * has not ended: it goes on in the service, so the message says where it
 * stands, and never that it failed.
 */
export async function timeoutError(
  client: LandingZoneClient,
  id: string,
  minutes: number,
  outages: OutageWatch,
): Promise<Error> {
  const current = await client.get(id).catch(() => undefined);
  const waiting = current?.waiting ?? outages.current;
  if (waiting.length > 0) {
    return new Error(stillWaitingMessage(id, minutes, waiting));
  }
  const where = current?.links.approval ? ` (${current.links.approval})` : '';
  return new Error(
    `Landing zone ${id} is still ${current?.status ?? 'running'} after ${minutes} minutes; it goes on in the Landing Zone service${where}`,
  );
}

/**
 * `Landing zone lz_1 is still waiting on bitbucket after 60 minutes (repository:
 * attempt 3, next at 12:03:04Z, last error: …); it goes on in the Landing Zone
 * service on its own once bitbucket answers again …`
 */
export function stillWaitingMessage(id: string, minutes: number, waiting: readonly Waiting[]): string {
  const systems = systemsOf(waiting);
  const answer = new Set(waiting.map(w => w.system)).size > 1 ? 'answer' : 'answers';
  const details = waiting
    .map(w => `${w.step}: attempt ${w.attempts}, next at ${clockTime(w.next_attempt_at)}, last error: ${w.error}`)
    .join('; ');
  return (
    `Landing zone ${id} is still waiting on ${systems} after ${minutes} minutes (${details}); ` +
    `it goes on in the Landing Zone service on its own once ${systems} ${answer} again, ` +
    'and the requester gets an email with every link when it is ready'
  );
}
