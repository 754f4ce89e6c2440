import { ResponseError } from '@backstage/errors';

/**
 * Why a call failed, in the words of whoever refused it: the Landing Zone service's reason
 * (a missing scope, a landing zone that cannot be retried) as the backend passed it on.
 */
export function reasonOf(error: unknown): string {
  if (error instanceof ResponseError) {
    return error.body?.error?.message || error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
