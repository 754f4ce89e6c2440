import { InputError, NotAllowedError } from '@backstage/errors';
import { fieldOf, LandingZoneApiError } from '../client/errors';
import type { ErrorDetail } from '../client/types';

/**
 * A 4xx means the request itself is wrong: the developer can fix it in the
 * form, so it becomes an InputError naming each field and why. A 403 about the
 * request (the tenant does not admit the owner group or the class, or the
 * signed-in user is not a member of the owner group) is a NotAllowedError
 * naming the rule; a 401, or a 403 about the credential, points at the
 * configured token.
 */
export function asTaskError(error: unknown): unknown {
  if (!(error instanceof LandingZoneApiError) || !error.isClientError) {
    return error;
  }
  if (error.status === 401 || (error.status === 403 && error.details.every(aboutTheCredential))) {
    const why = error.status === 403 ? `: ${reasonsOf(error.details, error.message)}` : '';
    return new Error(
      `The Landing Zone service refused the configured credentials (${error.status})${why}; check landingZone.token`,
    );
  }
  const message = reasonsOf(error.details, error.message);
  return error.status === 403 ? new NotAllowedError(message) : new InputError(message);
}

function aboutTheCredential(detail: ErrorDetail): boolean {
  return detail.loc[0] === 'header' && String(detail.loc[1]).toLowerCase() === 'authorization';
}

function reasonsOf(details: ErrorDetail[], fallback: string): string {
  const reasons = details.map(detail => {
    const field = fieldOf(detail);
    return field ? `${field}: ${detail.msg}` : detail.msg;
  });
  return reasons.length > 0 ? reasons.join('; ') : fallback;
}
