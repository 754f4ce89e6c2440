import {
  StatusAborted,
  StatusError,
  StatusOK,
  StatusPending,
  StatusRunning,
  StatusWarning,
} from '@backstage/core-components';
import type { ReactNode } from 'react';
import type { LandingZone, LandingZoneStatus, StepStatus } from '../../api/types';

const STATUS_WORDS: Record<LandingZoneStatus, string> = {
  pending_approval: 'Waiting for approval',
  provisioning: 'Provisioning',
  completed: 'Completed',
  rejected: 'Rejected',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export function statusWords(landingZone: LandingZone): string {
  const words = STATUS_WORDS[landingZone.status] ?? landingZone.status;
  const waiting = landingZone.waiting ?? [];
  if (waiting.length === 0) return words;
  const systems = [...new Set(waiting.map(w => w.system))].join(', ');
  return `${words}, waiting on ${systems}`;
}

/** The status icon Backstage uses for the same state elsewhere, labelled in words. */
export function StatusBadge(props: { status: LandingZoneStatus | StepStatus; waiting?: boolean; children: ReactNode }) {
  const { status, waiting, children } = props;
  if (waiting || status === 'waiting') return <StatusWarning>{children}</StatusWarning>;
  switch (status) {
    case 'completed':
    case 'succeeded':
      return <StatusOK>{children}</StatusOK>;
    case 'failed':
    case 'rejected':
      return <StatusError>{children}</StatusError>;
    case 'cancelled':
    case 'skipped':
      return <StatusAborted>{children}</StatusAborted>;
    case 'provisioning':
    case 'running':
      return <StatusRunning>{children}</StatusRunning>;
    default:
      return <StatusPending>{children}</StatusPending>;
  }
}
