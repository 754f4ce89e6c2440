import { coreServices, createBackendModule } from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { createLandingZoneAction } from './actions/create';
import { LandingZoneClient } from './client/LandingZoneClient';
import { readLandingZoneSettings } from './settings';

/** Adds the `landingzone:create` action to the scaffolder. */
export const scaffolderModuleLandingZone = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'landingzone',
  register(env) {
    env.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        config: coreServices.rootConfig,
      },
      async init({ scaffolder, config }) {
        const client = new LandingZoneClient(readLandingZoneSettings(config));
        scaffolder.addActions(createLandingZoneAction({ client }));
      },
    });
  },
});
