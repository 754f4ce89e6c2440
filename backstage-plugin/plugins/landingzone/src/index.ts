/**
 * The Landing Zone frontend plugin: a card on the page of each component Landing Zone made,
 * found by its `landingzone.io/id` annotation.
 */
export { landingZonePlugin as default, landingZoneApi, landingZoneEntityCard } from './plugin';
export { LandingZoneCard } from './components/LandingZoneCard';
export type { LandingZoneCardProps } from './components/LandingZoneCard';
export { LANDING_ZONE_ID_ANNOTATION, isLandingZoneAvailable, landingZoneIdOf } from './annotation';
export { landingZoneApiRef } from './api/LandingZoneApi';
export type { LandingZoneApi } from './api/LandingZoneApi';
export { LandingZoneClient } from './api/LandingZoneClient';
export { reasonOf } from './api/errors';
export type * from './api/types';
