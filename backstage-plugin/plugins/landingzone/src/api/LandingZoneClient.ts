import type { DiscoveryApi, FetchApi } from '@backstage/frontend-plugin-api';
import { ResponseError } from '@backstage/errors';
import type { LandingZoneApi } from './LandingZoneApi';
import type { LandingZone, ProjectClass, TemplateUpdate } from './types';

/** The backend plugin `landing-zone`, which adds the service's credential. */
const BACKEND_PLUGIN_ID = 'landing-zone';

/**
 * Talks to the `landing-zone` backend plugin with the signed-in user's Backstage token
 * (FetchApi); the browser never sees the service's own credential.
 */
export class LandingZoneClient implements LandingZoneApi {
  constructor(private readonly options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {}

  getLandingZone(id: string): Promise<LandingZone> {
    return this.json('GET', `/landing-zones/${encodeURIComponent(id)}`);
  }

  async getUpdates(id: string): Promise<TemplateUpdate[]> {
    const page = await this.json<{ items: TemplateUpdate[] }>('GET', `/landing-zones/${encodeURIComponent(id)}/updates`);
    return page.items;
  }

  getClass(classId: string): Promise<ProjectClass> {
    return this.json('GET', `/classes/${encodeURIComponent(classId)}`);
  }

  retry(id: string): Promise<LandingZone> {
    return this.json('POST', `/landing-zones/${encodeURIComponent(id)}/retry`);
  }

  requestUpdate(id: string, version?: string): Promise<TemplateUpdate> {
    return this.json('POST', `/landing-zones/${encodeURIComponent(id)}/updates`, version ? { version } : {});
  }

  private async json<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const base = await this.options.discoveryApi.getBaseUrl(BACKEND_PLUGIN_ID);
    const response = await this.options.fetchApi.fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? undefined : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return (await response.json()) as T;
  }
}
