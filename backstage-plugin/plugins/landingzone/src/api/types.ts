/** What the card reads from the Landing Zone service (v1), through the landing-zone backend. */

export type LandingZoneStatus =
  | 'pending_approval'
  | 'provisioning'
  | 'completed'
  | 'rejected'
  | 'failed'
  | 'cancelled';

export type StepStatus = 'pending' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'skipped';

/** A step waiting out an outage of a downstream system; it tries again on its own. */
export interface Waiting {
  step: string;
  system: string;
  error: string;
  attempts: number;
  since: string;
  next_attempt_at: string;
}

export interface Step {
  name: string;
  status: StepStatus;
  started_at?: string | null;
  finished_at?: string | null;
  attempts: number;
  waiting?: Waiting | null;
}

export interface Change {
  number: string;
  url: string;
  state: string | null;
  type: 'standard' | 'normal';
}

export interface PromotionSummary {
  id: string;
  environment: string;
  version: string;
  digest: string;
  status: string;
  change?: Change | null;
}

export interface LandingZone {
  id: string;
  name: string;
  class: string;
  tenant: string;
  owner: string;
  status: LandingZoneStatus;
  created_at: string;
  updated_at: string;
  steps: Step[];
  /** Each link is there once the thing it points to exists; `request_number` is a number. */
  links: Record<string, string>;
  error?: { step: string; message: string } | null;
  waiting?: Waiting[];
  template_version?: string | null;
  /** Newest first. */
  promotions?: PromotionSummary[];
}

export type UpdateStatus = 'pending' | 'opened' | 'current' | 'superseded' | 'failed';

export interface TemplateUpdate {
  id: string;
  landing_zone_id: string;
  from_version: string;
  to_version: string;
  status: UpdateStatus;
  pull_request?: { id: number; url: string; state: string; branch: string } | null;
  conflicts: string[];
  error?: string | null;
  created_at: string;
}

export interface ProjectClass {
  id: string;
  title: string;
  /** The class's latest template version. */
  version: string | null;
}
