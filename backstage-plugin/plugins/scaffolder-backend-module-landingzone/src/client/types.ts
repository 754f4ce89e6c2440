/** Shapes of the Landing Zone HTTP API (v1), as the service sends them. */

export type LandingZoneStatus =
  | 'pending_approval'
  | 'provisioning'
  | 'completed'
  | 'rejected'
  | 'failed'
  | 'cancelled';

export const TERMINAL_STATUSES: ReadonlySet<LandingZoneStatus> = new Set([
  'completed',
  'rejected',
  'failed',
  'cancelled',
]);

export function isTerminal(status: LandingZoneStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

export type StepStatus = 'pending' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'skipped';

/**
 * A step waiting out a transient outage of a downstream system: it tries
 * again, with capped backoff, for as long as the outage lasts. The landing
 * zone stays `provisioning` (or `pending_approval`) meanwhile.
 */
export interface Waiting {
  step: string;
  /** The system that does not answer: bitbucket, jenkins, servicenow or smtp. */
  system: string;
  /** The last error, as the service saw it. */
  error: string;
  /** Attempts that failed so far. */
  attempts: number;
  /** ISO-8601: when the wait began. */
  since: string;
  /** ISO-8601: when the step tries again (`POST /retry` asks for it now). */
  next_attempt_at: string;
}

export interface Requester {
  name: string;
  email: string;
}

export interface LandingZoneRequest {
  name: string;
  class: string;
  owner: string;
  description: string;
  tenant: string;
  requester: Requester;
  /** The signed-in user's entity reference; they get the Backstage notifications. */
  on_behalf_of?: string;
  system?: string;
  parameters: Record<string, unknown>;
}

/**
 * The signed-in user a request is made for and the groups the catalog says they are a member
 * of; sent as the `X-On-Behalf-Of` and `X-On-Behalf-Of-Groups` headers. The service requires
 * the user to be a member of the owner group they request a landing zone for.
 */
export interface OnBehalfOf {
  user: string;
  groups: string[];
}

export interface LandingZoneStep {
  name: string;
  status: StepStatus;
  started_at?: string | null;
  finished_at?: string | null;
  attempts: number;
  /** Set while the step waits out an outage. */
  waiting?: Waiting | null;
}

/** Each link is present once the thing it points to exists. */
export interface LandingZoneLinks {
  repository?: string;
  clone?: string;
  catalog_info?: string;
  environment_repository?: string;
  build_pipeline?: string;
  promote_pipeline?: string;
  approval?: string;
  request_number?: string;
}

export interface LandingZone {
  id: string;
  name: string;
  class: string;
  tenant: string;
  owner: string;
  description: string;
  system?: string | null;
  requester: Requester;
  status: LandingZoneStatus;
  created_at: string;
  updated_at: string;
  steps: LandingZoneStep[];
  links: LandingZoneLinks;
  error?: { step: string; message: string } | null;
  /** The steps waiting out an outage; empty when nothing waits. */
  waiting?: Waiting[];
}

export type ProgressEventKind =
  | 'step_started'
  | 'step_succeeded'
  | 'step_skipped'
  | 'step_failed'
  | 'waiting'
  | 'resumed'
  | 'info'
  | 'status';

export interface ProgressEvent {
  seq: number;
  at: string;
  step?: string | null;
  kind: ProgressEventKind;
  message: string;
  data?: Record<string, unknown>;
}

export interface EventPage {
  events: ProgressEvent[];
  status: LandingZoneStatus;
}

export interface RepositoryName {
  project: string;
  slug: string;
}

export interface Preview {
  names: {
    repository: RepositoryName;
    environment_repository: RepositoryName;
    jenkins_folder: string;
    build_job: string;
    promote_job: string;
  };
  approval_required: boolean;
  files: string[];
  environment_files: string[];
}

/** One entry of the `detail` list the service sends with every 4xx. */
export interface ErrorDetail {
  loc: Array<string | number>;
  msg: string;
  type: string;
}
