export { LandingZoneCard } from './LandingZoneCard';
export type { LandingZoneCardProps } from './LandingZoneCard';
