/**
 * Scaffolder backend module adding `landingzone:create`, which requests a landing
 * zone (approval, repository, environment repository, pipelines) from the
 * Landing Zone service.
 */
export { scaffolderModuleLandingZone as default } from './module';
export { createLandingZoneAction } from './actions/create';
export type { CreateActionOptions, WaitFor } from './actions/create';
export { LandingZoneClient } from './client/LandingZoneClient';
export type { LandingZoneClientOptions } from './client/LandingZoneClient';
export { LandingZoneApiError } from './client/errors';
export type * from './client/types';
