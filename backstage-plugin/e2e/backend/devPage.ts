import { coreServices, createBackendPlugin } from '@backstage/backend-plugin-api';
import express from 'express';
import { join } from 'node:path';

/**
 * Serves the card's dev page (e2e/app, bundled into e2e-dist/app) at /api/landingzone-dev/,
 * on the same origin as the catalog and the landing-zone backend plugin it calls.
 * The page holds no data; it signs in like Backstage's own pages.
 */
export const devPagePlugin = createBackendPlugin({
  pluginId: 'landingzone-dev',
  register(env) {
    env.registerInit({
      deps: { httpRouter: coreServices.httpRouter },
      async init({ httpRouter }) {
        httpRouter.use(express.static(join(__dirname, '..', '..', 'app')));
        httpRouter.addAuthPolicy({ path: '/', allow: 'unauthenticated' });
      },
    });
  },
});
