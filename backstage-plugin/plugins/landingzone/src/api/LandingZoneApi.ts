import { createApiRef } from '@backstage/frontend-plugin-api';
import type { LandingZone, ProjectClass, TemplateUpdate } from './types';

/** The Landing Zone service as the signed-in user may see and act on it. */
export interface LandingZoneApi {
  getLandingZone(id: string): Promise<LandingZone>;
  /** Newest first. */
  getUpdates(id: string): Promise<TemplateUpdate[]>;
  getClass(classId: string): Promise<ProjectClass>;
  /** Failed: run it again. Waiting on an outage: try now. */
  retry(id: string): Promise<LandingZone>;
  /** Opens a pull request to `version`, or the class's latest when left out. */
  requestUpdate(id: string, version?: string): Promise<TemplateUpdate>;
}

export const landingZoneApiRef = createApiRef<LandingZoneApi>().with({
  id: 'plugin.landing-zone.service',
  pluginId: 'landing-zone',
});
