import {
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import { EntityCardBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { isLandingZoneAvailable } from './annotation';
import { landingZoneApiRef } from './api/LandingZoneApi';
import { LandingZoneClient } from './api/LandingZoneClient';

/** The client of the `landing-zone` backend plugin. */
export const landingZoneApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: landingZoneApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) => new LandingZoneClient({ discoveryApi, fetchApi }),
    }),
});

/** The card on the overview of every entity with a `landingzone.io/id` annotation. */
export const landingZoneEntityCard = EntityCardBlueprint.make({
  params: {
    filter: isLandingZoneAvailable,
    loader: () => import('./components/LandingZoneCard').then(m => <m.LandingZoneCard />),
  },
});

/** The Landing Zone frontend plugin (new frontend system). */
export const landingZonePlugin = createFrontendPlugin({
  pluginId: 'landing-zone',
  title: 'Landing Zone',
  extensions: [landingZoneApi, landingZoneEntityCard],
});
