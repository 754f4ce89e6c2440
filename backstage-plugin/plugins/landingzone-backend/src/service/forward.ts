import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import type { OnBehalfOf } from './principal';
import type { ServiceSettings } from './settings';

export const ON_BEHALF_OF = 'X-On-Behalf-Of';
export const ON_BEHALF_OF_GROUPS = 'X-On-Behalf-Of-Groups';
const TIMEOUT_MS = 30_000;

export interface Answer {
  status: number;
  body: unknown;
}

/**
 * Calls the Landing Zone service with the backend's credential, for the signed-in user.
 * A refusal becomes the matching Backstage error with the service's words, so the card
 * shows why; an answer the user cannot act on (the credential refused, the service down)
 * says so without detail from the service.
 */
export class ServiceForwarder {
  constructor(
    private readonly settings: ServiceSettings,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  async call(method: 'GET' | 'POST', path: string, user: OnBehalfOf, body?: unknown): Promise<Answer> {
    const headers: Record<string, string> = {
      Accept: 'application/json',
      Authorization: `Bearer ${this.settings.token}`,
      [ON_BEHALF_OF]: user.user,
    };
    if (user.groups.length > 0) {
      headers[ON_BEHALF_OF_GROUPS] = user.groups.join(',');
    }
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
    }
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.settings.baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch {
      throw new ServiceUnavailableError('The Landing Zone service did not answer; try again later');
    }
    const parsed = await readJson(response);
    if (response.ok) {
      return { status: response.status, body: parsed };
    }
    throw refusal(response.status, parsed);
  }
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

function refusal(status: number, body: unknown): Error {
  const message = serviceMessage(body) ?? `the Landing Zone service answered ${status}`;
  switch (status) {
    case 400:
    case 422:
      return new InputError(message);
    case 403:
      return new NotAllowedError(message);
    case 404:
      return new NotFoundError(message);
    case 409:
      return new ConflictError(message);
    case 401:
      // The backend's own credential was refused: nothing the user can change.
      return new ServiceUnavailableError(
        'The Landing Zone service refused this Backstage backend\'s credential (landingZone.token)',
      );
    default:
      return new ServiceUnavailableError(`The Landing Zone service answered ${status}; try again later`);
  }
}

/** The service's 4xx reasons (`{"detail": [{"loc": [...], "msg": "..."}]}`), in words. */
export function serviceMessage(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || !('detail' in body)) {
    return undefined;
  }
  const detail = (body as { detail: unknown }).detail;
  if (typeof detail === 'string') {
    return detail;
  }
  if (!Array.isArray(detail)) {
    return undefined;
  }
  const reasons = detail
    .filter((d): d is { loc?: unknown[]; msg: string } => typeof d?.msg === 'string')
    .map(d => {
      const loc = Array.isArray(d.loc) ? d.loc : [];
      const field = loc[0] === 'body' && loc.length > 1 ? String(loc[loc.length - 1]) : undefined;
      return field ? `${field}: ${d.msg}` : d.msg;
    });
  return reasons.length > 0 ? reasons.join('; ') : undefined;
}
