import { Link } from '@backstage/core-components';
import Button from '@material-ui/core/Button';
import Typography from '@material-ui/core/Typography';
import { reasonOf } from '../../api/errors';
import type { LandingZone, ProjectClass, TemplateUpdate } from '../../api/types';
import type { Part } from './useLandingZone';
import { compareVersions, updateUnderWay } from './versions';

export interface TemplateSectionProps {
  landingZone: LandingZone;
  updates?: Part<TemplateUpdate[]>;
  projectClass?: Part<ProjectClass>;
  busy: boolean;
  onRequestUpdate(version: string): void;
}

function UpdateLine({ update }: { update: TemplateUpdate }) {
  const pr = update.pull_request;
  const conflicts = update.conflicts.length > 0 ? `, conflicts in ${update.conflicts.join(', ')}` : '';
  return (
    <Typography variant="body2" data-testid="landing-zone-update">
      Update to {update.to_version}: {update.status}
      {pr ? (
        <>
          {', '}
          <Link to={pr.url}>pull request #{pr.id}</Link> {pr.state}
        </>
      ) : null}
      {conflicts}
      {update.error ? ` (${update.error})` : ''}
    </Typography>
  );
}

/** The template version the repository is at, whether a newer one exists, and updates. */
export function TemplateSection(props: TemplateSectionProps) {
  const { landingZone, updates, projectClass, busy, onRequestUpdate } = props;
  const current = landingZone.template_version;
  const latest = projectClass && 'value' in projectClass ? projectClass.value.version : null;
  const items = updates && 'value' in updates ? updates.value : [];
  const newer = Boolean(current && latest && compareVersions(latest, current) > 0);
  const underWay = newer && latest ? updateUnderWay(items, latest) : undefined;
  let versionWords = current ? `Template ${landingZone.class} ${current}` : 'Not rendered yet';
  if (newer) versionWords += `; ${latest} is available`;
  else if (current && latest) versionWords += ' (the latest)';
  return (
    <section aria-label="Template">
      <Typography variant="subtitle2" component="h4">
        Template
      </Typography>
      <Typography variant="body2" data-testid="landing-zone-template">
        {versionWords}
      </Typography>
      {projectClass && 'reason' in projectClass && (
        <Typography variant="body2" color="textSecondary">
          The latest version could not be read: {reasonOf(projectClass.reason)}
        </Typography>
      )}
      {updates && 'reason' in updates && (
        <Typography variant="body2" color="textSecondary">
          Its updates could not be read: {reasonOf(updates.reason)}
        </Typography>
      )}
      {items.slice(0, 1).map(update => (
        <UpdateLine key={update.id} update={update} />
      ))}
      {newer && latest && !underWay && (
        <Button variant="outlined" size="small" disabled={busy} onClick={() => onRequestUpdate(latest)}>
          Request update to {latest}
        </Button>
      )}
    </section>
  );
}
