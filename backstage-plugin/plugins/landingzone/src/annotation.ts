import type { Entity } from '@backstage/catalog-model';

/** Written by every class's catalog-info.yaml: the landing zone the component was made by. */
export const LANDING_ZONE_ID_ANNOTATION = 'landingzone.io/id';

export function landingZoneIdOf(entity: Entity): string | undefined {
  const id = entity.metadata.annotations?.[LANDING_ZONE_ID_ANNOTATION]?.trim();
  return id ? id : undefined;
}

/** Whether the entity was made by Landing Zone, so the card has something to show. */
export function isLandingZoneAvailable(entity: Entity): boolean {
  return landingZoneIdOf(entity) !== undefined;
}
