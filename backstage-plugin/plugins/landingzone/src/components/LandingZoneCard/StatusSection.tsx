import Typography from '@material-ui/core/Typography';
import type { LandingZone, Step, Waiting } from '../../api/types';
import { StatusBadge, statusWords } from './status';

function waitingWords(waiting: Waiting): string {
  const next = new Date(waiting.next_attempt_at).toLocaleTimeString();
  return `${waiting.step} waits for ${waiting.system} (attempt ${waiting.attempts}, next at ${next}): ${waiting.error}`;
}

function StepLine({ step }: { step: Step }) {
  const attempts = step.attempts > 1 ? ` after ${step.attempts} attempts` : '';
  return (
    <li data-step={step.name}>
      <StatusBadge status={step.status}>
        {step.name}: {step.status}
        {step.status === 'succeeded' ? attempts : ''}
      </StatusBadge>
    </li>
  );
}

/** Where the landing zone stands, each of its steps, and why it stopped or waits. */
export function StatusSection({ landingZone }: { landingZone: LandingZone }) {
  const waiting = landingZone.waiting ?? [];
  return (
    <section aria-label="Status">
      <Typography variant="h6" component="h3" data-testid="landing-zone-status">
        <StatusBadge status={landingZone.status} waiting={waiting.length > 0}>
          {statusWords(landingZone)}
        </StatusBadge>
      </Typography>
      {landingZone.error && (
        <Typography color="error" variant="body2">
          {landingZone.error.step}: {landingZone.error.message}
        </Typography>
      )}
      {waiting.map(w => (
        <Typography key={w.step} variant="body2">
          {waitingWords(w)}
        </Typography>
      ))}
      <Typography variant="subtitle2" component="h4">
        Steps
      </Typography>
      <ul aria-label="Steps" style={{ listStyle: 'none', paddingLeft: 0, margin: 0 }}>
        {landingZone.steps.map(step => (
          <StepLine key={step.name} step={step} />
        ))}
      </ul>
    </section>
  );
}
