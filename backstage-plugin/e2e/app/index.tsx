/**
 * The card's dev page: the landing zone card of one catalog entity (`?entity=<ref>`), with
 * Backstage's real API clients, signed in as the guest user, talking to the backend that
 * serves the page (its catalog and the landing-zone backend plugin). Built by build.mjs.
 */
import { CatalogClient } from '@backstage/catalog-client';
import type { Entity } from '@backstage/catalog-model';
import { ApiProvider, createFetchApi, FetchMiddlewares, UrlPatternDiscovery } from '@backstage/core-app-api';
import { ConfigReader } from '@backstage/config';
import {
  type ApiHolder,
  type ApiRef,
  discoveryApiRef,
  fetchApiRef,
  type IdentityApi,
  identityApiRef,
} from '@backstage/core-plugin-api';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { UnifiedThemeProvider, themes } from '@backstage/theme';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router-dom';
import { LandingZoneCard, LandingZoneClient, landingZoneApiRef } from '../../plugins/landingzone/src';

const origin = window.location.origin;

/** Signs in as the guest provider's user, as Backstage's sign-in page does. */
async function signIn(): Promise<IdentityApi> {
  const response = await fetch(`${origin}/api/auth/guest/refresh`, {
    headers: { 'X-Requested-With': 'XMLHttpRequest' },
  });
  if (!response.ok) throw new Error(`guest sign-in: ${response.status}`);
  const session = await response.json();
  const { token, identity } = session.backstageIdentity;
  return {
    getBackstageIdentity: async () => identity,
    getCredentials: async () => ({ token }),
    getProfileInfo: async () => session.profile ?? {},
    signOut: async () => {},
  };
}

function holder(pairs: Array<[ApiRef<unknown>, unknown]>): ApiHolder {
  const apis = new Map(pairs.map(([ref, impl]) => [ref.id, impl]));
  return { get: <T,>(ref: ApiRef<T>) => apis.get(ref.id) as T | undefined };
}

async function main(root: HTMLElement): Promise<void> {
  const ref = new URLSearchParams(window.location.search).get('entity') ?? '';
  const poll = Number(new URLSearchParams(window.location.search).get('poll') ?? '5000');
  const identityApi = await signIn();
  const discoveryApi = UrlPatternDiscovery.compile(`${origin}/api/{{ pluginId }}`);
  const fetchApi = createFetchApi({
    middleware: [
      FetchMiddlewares.resolvePluginProtocol({ discoveryApi }),
      FetchMiddlewares.injectIdentityAuth({
        identityApi,
        config: new ConfigReader({ backend: { baseUrl: origin } }),
      }),
    ],
  });
  const entity: Entity | undefined = await new CatalogClient({ discoveryApi, fetchApi }).getEntityByRef(ref);
  if (!entity) {
    root.textContent = `No entity ${ref} in the catalog`;
    return;
  }
  const apis = holder([
    [discoveryApiRef, discoveryApi],
    [fetchApiRef, fetchApi],
    [identityApiRef, identityApi],
    [landingZoneApiRef, new LandingZoneClient({ discoveryApi, fetchApi })],
  ]);
  createRoot(root).render(
    <ApiProvider apis={apis}>
      <UnifiedThemeProvider theme={themes.light}>
        <BrowserRouter>
          <EntityProvider entity={entity}>
            <LandingZoneCard pollIntervalMs={poll} />
          </EntityProvider>
        </BrowserRouter>
      </UnifiedThemeProvider>
    </ApiProvider>,
  );
}

const root = document.getElementById('root') as HTMLElement;
main(root).catch(error => {
  root.textContent = `The dev page failed: ${String(error)}`;
});
