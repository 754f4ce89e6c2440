import type { Config } from '@backstage/config';

export interface LandingZoneSettings {
  baseUrl: string;
  token: string;
}

/** Reads `landingZone.baseUrl` and `landingZone.token` from app-config. */
export function readLandingZoneSettings(config: Config): LandingZoneSettings {
  const section = config.getConfig('landingZone');
  return {
    baseUrl: section.getString('baseUrl'),
    token: section.getString('token'),
  };
}
