import type { ErrorDetail } from './types';

/** The service answered with a non-2xx status. */
export class LandingZoneApiError extends Error {
  readonly status: number;
  readonly details: ErrorDetail[];

  constructor(status: number, details: ErrorDetail[], fallback: string) {
    super(describe(status, details, fallback));
    this.name = 'LandingZoneApiError';
    this.status = status;
    this.details = details;
  }

  get isClientError(): boolean {
    return this.status >= 400 && this.status < 500;
  }
}

/** The field a detail is about: the last element of its `loc`. */
export function fieldOf(detail: ErrorDetail): string | undefined {
  const last = detail.loc[detail.loc.length - 1];
  return last === undefined ? undefined : String(last);
}

function describe(status: number, details: ErrorDetail[], fallback: string): string {
  if (details.length === 0) {
    return `Landing Zone service answered ${status}: ${fallback}`;
  }
  const reasons = details.map(detail => {
    const field = fieldOf(detail);
    return field ? `${field}: ${detail.msg}` : detail.msg;
  });
  return `Landing Zone service answered ${status}: ${reasons.join('; ')}`;
}

export function parseErrorDetails(body: unknown): ErrorDetail[] {
  if (typeof body !== 'object' || body === null || !('detail' in body)) {
    return [];
  }
  const detail = (body as { detail: unknown }).detail;
  if (typeof detail === 'string') {
    return [{ loc: [], msg: detail, type: 'error' }];
  }
  if (!Array.isArray(detail)) {
    return [];
  }
  return detail.filter(isErrorDetail);
}

function isErrorDetail(value: unknown): value is ErrorDetail {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const candidate = value as Partial<ErrorDetail>;
  return Array.isArray(candidate.loc) && typeof candidate.msg === 'string';
}
