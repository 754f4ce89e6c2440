import { Link } from '@backstage/core-components';
import Typography from '@material-ui/core/Typography';
import type { LandingZone } from '../../api/types';
import { shownLinks } from './links';

export function LinksSection({ landingZone }: { landingZone: LandingZone }) {
  const links = shownLinks(landingZone.links);
  return (
    <section aria-label="Links">
      <Typography variant="subtitle2" component="h4">
        Links
      </Typography>
      {links.length === 0 ? (
        <Typography variant="body2">Nothing has been created yet.</Typography>
      ) : (
        <Typography component="ul" variant="body2" style={{ paddingLeft: '1.2em', margin: 0 }}>
          {links.map(link => (
            <li key={link.key}>
              <Link to={link.url}>{link.title}</Link>
            </li>
          ))}
        </Typography>
      )}
    </section>
  );
}
