import { LandingZoneApiError, parseErrorDetails } from './errors';
import { readServerSentEvents } from './sse';
import type { EventPage, LandingZone, LandingZoneRequest, OnBehalfOf, Preview, ProgressEvent } from './types';

export const ON_BEHALF_OF = 'X-On-Behalf-Of';
export const ON_BEHALF_OF_GROUPS = 'X-On-Behalf-Of-Groups';

/** The headers that name the user a request is made for, and their groups. */
export function onBehalfOfHeaders(who: OnBehalfOf | undefined): Record<string, string> {
  if (!who) {
    return {};
  }
  return { [ON_BEHALF_OF]: who.user, [ON_BEHALF_OF_GROUPS]: who.groups.join(',') };
}

export interface LandingZoneClientOptions {
  /** Where the service listens, e.g. `https://landing-zone.example.com`. */
  baseUrl: string;
  /** Bearer token the service accepts. */
  token: string;
  fetchImpl?: typeof fetch;
}

export interface StreamHandlers {
  onEvent(event: ProgressEvent): void;
}

/**
 * What a server-sent event stream ended with: the landing zone when the service
 * said `end`, or nothing when the stream closed early (the caller picks up from
 * the last event it saw).
 */
export type StreamOutcome = { ended: true; landingZone: LandingZone } | { ended: false };

/** Typed access to the Landing Zone service's HTTP API (v1). */
export class LandingZoneClient {
  private readonly baseUrl: string;
  private readonly token: string;
  private readonly fetchImpl: typeof fetch;

  constructor(options: LandingZoneClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.token = options.token;
    this.fetchImpl = options.fetchImpl ?? fetch;
  }

  /** Requests a landing zone for `onBehalfOf`, the signed-in user (see {@link OnBehalfOf}). */
  async create(request: LandingZoneRequest, idempotencyKey: string, onBehalfOf?: OnBehalfOf): Promise<LandingZone> {
    return this.json<LandingZone>('POST', '/v1/landing-zones', {
      body: request,
      headers: { 'Idempotency-Key': idempotencyKey, ...onBehalfOfHeaders(onBehalfOf) },
    });
  }

  async preview(request: LandingZoneRequest, onBehalfOf?: OnBehalfOf): Promise<Preview> {
    return this.json<Preview>('POST', '/v1/landing-zones:preview', {
      body: request,
      headers: onBehalfOfHeaders(onBehalfOf),
    });
  }

  async get(id: string, signal?: AbortSignal): Promise<LandingZone> {
    return this.json<LandingZone>('GET', `/v1/landing-zones/${encodeURIComponent(id)}`, { signal });
  }

  async events(id: string, after: number, signal?: AbortSignal): Promise<EventPage> {
    const path = `/v1/landing-zones/${encodeURIComponent(id)}/events?after=${after}`;
    return this.json<EventPage>('GET', path, { signal });
  }

  /**
   * Follows `/events/stream` from event `after` on, handing each progress event
   * over as it arrives. Rejects when the stream cannot be opened.
   */
  async streamEvents(
    id: string,
    after: number,
    handlers: StreamHandlers,
    signal?: AbortSignal,
  ): Promise<StreamOutcome> {
    const path = `/v1/landing-zones/${encodeURIComponent(id)}/events/stream?after=${after}`;
    const response = await this.fetchImpl(this.url(path), {
      method: 'GET',
      headers: { ...this.authHeaders(), Accept: 'text/event-stream', 'Last-Event-ID': String(after) },
      signal,
    });
    if (!response.ok) {
      throw await this.errorFrom(response);
    }
    if (!response.body) {
      return { ended: false };
    }
    for await (const message of readServerSentEvents(response.body)) {
      if (message.event === 'end') {
        return { ended: true, landingZone: JSON.parse(message.data) as LandingZone };
      }
      if (message.event === 'progress') {
        handlers.onEvent(JSON.parse(message.data) as ProgressEvent);
      }
    }
    return { ended: false };
  }

  private async json<T>(
    method: 'GET' | 'POST',
    path: string,
    options: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal },
  ): Promise<T> {
    const headers: Record<string, string> = {
      ...this.authHeaders(),
      Accept: 'application/json',
      ...options.headers,
    };
    if (options.body !== undefined) {
      headers['Content-Type'] = 'application/json';
    }
    const response = await this.fetchImpl(this.url(path), {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
    if (!response.ok) {
      throw await this.errorFrom(response);
    }
    return (await response.json()) as T;
  }

  private url(path: string): string {
    return `${this.baseUrl}${path}`;
  }

  private authHeaders(): Record<string, string> {
    return { Authorization: `Bearer ${this.token}` };
  }

  private async errorFrom(response: Response): Promise<LandingZoneApiError> {
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const fallback = response.statusText || text.slice(0, 200);
    return new LandingZoneApiError(response.status, parseErrorDetails(body), fallback);
  }
}
