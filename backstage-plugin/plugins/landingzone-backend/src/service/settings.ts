import type { Config } from '@backstage/config';

export interface ServiceSettings {
  /** Where the Landing Zone service listens, without /v1. */
  baseUrl: string;
  /** The backend's credential for the service; never leaves the backend. */
  token: string;
}

/** Reads `landingZone.baseUrl` and `landingZone.token` from app-config. */
export function readServiceSettings(config: Config): ServiceSettings {
  const section = config.getConfig('landingZone');
  return {
    baseUrl: section.getString('baseUrl').replace(/\/+$/, ''),
    token: section.getString('token'),
  };
}
