import { Link } from '@backstage/core-components';
import Typography from '@material-ui/core/Typography';
import type { LandingZone } from '../../api/types';
import { isWebAddress } from './links';

/** The approval state in words, from the landing zone's status and its approve step. */
export function approvalState(landingZone: LandingZone): string {
  if (landingZone.status === 'rejected') return 'rejected';
  const step = landingZone.steps.find(s => s.name === 'approve');
  switch (step?.status) {
    case 'succeeded':
      return 'approved';
    case 'skipped':
      return 'approved by policy, no approval needed';
    case 'failed':
      return 'not decided: the request failed';
    default:
      return landingZone.status === 'pending_approval' ? 'waiting for approval' : 'not requested yet';
  }
}

export function ApprovalSection({ landingZone }: { landingZone: LandingZone }) {
  const number = landingZone.links.request_number;
  const url = landingZone.links.approval;
  return (
    <section aria-label="ServiceNow request">
      <Typography variant="subtitle2" component="h4">
        ServiceNow request
      </Typography>
      <Typography variant="body2" data-testid="landing-zone-approval">
        {url && isWebAddress(url) ? <Link to={url}>{number ?? 'Request'}</Link> : number ?? 'None yet'}
        {': '}
        {approvalState(landingZone)}
      </Typography>
    </section>
  );
}
