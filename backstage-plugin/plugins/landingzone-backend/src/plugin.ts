import { coreServices, createBackendPlugin } from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { ServiceForwarder } from './service/forward';
import { PrincipalResolver } from './service/principal';
import { createRouter } from './service/router';
import { readServiceSettings } from './service/settings';

/**
 * The landing zone card's backend (`/api/landing-zone`): reads a landing zone, its template
 * updates and its class, retries it and asks for updates, for the signed-in user, with the
 * credential from `landingZone.token`.
 */
export const landingZonePlugin = createBackendPlugin({
  pluginId: 'landing-zone',
  register(env) {
    env.registerInit({
      deps: {
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        userInfo: coreServices.userInfo,
        auth: coreServices.auth,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        catalog: catalogServiceRef,
      },
      async init({ httpRouter, httpAuth, userInfo, auth, config, logger, catalog }) {
        const service = new ServiceForwarder(readServiceSettings(config));
        const principals = new PrincipalResolver({ userInfo, catalog, auth, logger });
        httpRouter.use(await createRouter({ httpAuth, principals, service }));
      },
    });
  },
});
