import { InputError } from '@backstage/errors';
import { fieldOf, LandingZoneApiError } from '../client/errors';

/**
 * A 4xx means the request itself is wrong: the developer can fix it in the
 * form, so it becomes an InputError naming each field and why.
 */
export function asTaskError(error: unknown): unknown {
  if (!(error instanceof LandingZoneApiError) || !error.isClientError) {
    return error;
  }
  if (error.status === 401 || error.status === 403) {
    return new Error(
      `The Landing Zone service refused the configured credentials (${error.status}); check landingZone.token`,
    );
  }
  const reasons = error.details.map(detail => {
    const field = fieldOf(detail);
    return field ? `${field}: ${detail.msg}` : detail.msg;
  });
  const message = reasons.length > 0 ? reasons.join('; ') : error.message;
  return new InputError(message);
}
