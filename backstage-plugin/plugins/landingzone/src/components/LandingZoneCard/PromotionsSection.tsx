import { Link } from '@backstage/core-components';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import type { PromotionSummary } from '../../api/types';
import { isWebAddress } from './links';

/** The newest promotion of each environment, in the order environments were first reached. */
export function latestPerEnvironment(promotions: PromotionSummary[]): PromotionSummary[] {
  const newest = new Map<string, PromotionSummary>();
  for (const promotion of promotions) {
    if (!newest.has(promotion.environment)) newest.set(promotion.environment, promotion);
  }
  return [...newest.values()].reverse();
}

export function PromotionsSection({ promotions }: { promotions: PromotionSummary[] }) {
  const rows = latestPerEnvironment(promotions);
  return (
    <section aria-label="Promotions">
      <Typography variant="subtitle2" component="h4">
        Promotions
      </Typography>
      {rows.length === 0 ? (
        <Typography variant="body2">Nothing has been promoted yet.</Typography>
      ) : (
        <Table size="small" aria-label="Promotions per environment">
          <TableHead>
            <TableRow>
              <TableCell>Environment</TableCell>
              <TableCell>Version</TableCell>
              <TableCell>Status</TableCell>
              <TableCell>Change</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {rows.map(p => (
              <TableRow key={p.environment} data-environment={p.environment}>
                <TableCell>{p.environment}</TableCell>
                <TableCell>{p.version}</TableCell>
                <TableCell>{p.status.replace(/_/g, ' ')}</TableCell>
                <TableCell>
                  {p.change ? (
                    <>
                      {isWebAddress(p.change.url) ? <Link to={p.change.url}>{p.change.number}</Link> : p.change.number}
                      {p.change.state ? ` (${p.change.state})` : ''}
                    </>
                  ) : (
                    'none'
                  )}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </section>
  );
}
