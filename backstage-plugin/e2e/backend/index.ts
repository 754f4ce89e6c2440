/**
 * A Backstage backend as an adopter runs it: catalog, scaffolder, notifications, guest
 * sign-in, the landing zone module and the card's backend plugin, configured by the
 * app-config files given with --config; and the card's dev page (devPage.ts).
 */
import { createBackend } from '@backstage/backend-defaults';
import authPlugin from '@backstage/plugin-auth-backend';
import guestProvider from '@backstage/plugin-auth-backend-module-guest-provider';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import notificationsPlugin from '@backstage/plugin-notifications-backend';
import templateEntityModel from '@backstage/plugin-catalog-backend-module-scaffolder-entity-model';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import landingZonePlugin from '../../plugins/landingzone-backend/src';
import landingZoneModule from '../../plugins/scaffolder-backend-module-landingzone/src';
import { devPagePlugin } from './devPage';

const backend = createBackend();
backend.add(authPlugin);
backend.add(guestProvider);
backend.add(catalogPlugin);
backend.add(templateEntityModel);
backend.add(scaffolderPlugin);
backend.add(notificationsPlugin);
backend.add(landingZoneModule);
backend.add(landingZonePlugin);
backend.add(devPagePlugin);
backend.start().catch(error => {
  process.stderr.write(`Backstage backend failed to start: ${String(error)}\n`);
  process.exit(1);
});
