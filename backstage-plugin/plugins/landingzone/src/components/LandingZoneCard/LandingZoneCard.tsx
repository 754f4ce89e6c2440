import { InfoCard, Progress, ResponseErrorPanel } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import Button from '@material-ui/core/Button';
import Divider from '@material-ui/core/Divider';
import Typography from '@material-ui/core/Typography';
import { useState } from 'react';
import { LANDING_ZONE_ID_ANNOTATION, landingZoneIdOf } from '../../annotation';
import { landingZoneApiRef } from '../../api/LandingZoneApi';
import { reasonOf } from '../../api/errors';
import type { LandingZone } from '../../api/types';
import { ApprovalSection } from './ApprovalSection';
import { LinksSection } from './LinksSection';
import { PromotionsSection } from './PromotionsSection';
import { StatusSection } from './StatusSection';
import { TemplateSection } from './TemplateSection';
import { useLandingZone } from './useLandingZone';

export interface LandingZoneCardProps {
  /** How often the card reads the landing zone again while it is on its way. */
  pollIntervalMs?: number;
}

type Outcome = { ok: boolean; message: string };

function retryWords(landingZone: LandingZone): string | undefined {
  if (landingZone.status === 'failed') return 'Retry';
  if ((landingZone.waiting?.length ?? 0) > 0) return 'Retry now';
  return undefined;
}

function LandingZoneDetails({ id, pollIntervalMs }: { id: string; pollIntervalMs: number }) {
  const api = useApi(landingZoneApiRef);
  const state = useLandingZone(id, pollIntervalMs);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>();

  async function act(what: () => Promise<unknown>, done: string, refused: string) {
    setBusy(true);
    setOutcome(undefined);
    try {
      await what();
      setOutcome({ ok: true, message: done });
    } catch (error) {
      setOutcome({ ok: false, message: `${refused}: ${reasonOf(error)}` });
    } finally {
      setBusy(false);
      state.reload();
    }
  }

  if (state.loading && !state.landingZone) return <Progress />;
  if (!state.landingZone) return <ResponseErrorPanel error={asError(state.error)} title="Landing zone could not be read" />;
  const landingZone = state.landingZone;
  const retry = retryWords(landingZone);
  return (
    <>
      <StatusSection landingZone={landingZone} />
      {retry && (
        <Button
          variant="contained"
          color="primary"
          size="small"
          disabled={busy}
          onClick={() => act(() => api.retry(id), 'Retry requested', 'Retry refused')}
        >
          {retry}
        </Button>
      )}
      {outcome && (
        <Typography role={outcome.ok ? 'status' : 'alert'} color={outcome.ok ? 'textPrimary' : 'error'} variant="body2">
          {outcome.message}
        </Typography>
      )}
      {state.error !== undefined && (
        <Typography role="alert" color="error" variant="body2">
          Could not read it again: {reasonOf(state.error)}
        </Typography>
      )}
      <Divider style={{ margin: '12px 0' }} />
      <LinksSection landingZone={landingZone} />
      <Divider style={{ margin: '12px 0' }} />
      <ApprovalSection landingZone={landingZone} />
      <Divider style={{ margin: '12px 0' }} />
      <TemplateSection
        landingZone={landingZone}
        updates={state.updates}
        projectClass={state.projectClass}
        busy={busy}
        onRequestUpdate={version =>
          act(() => api.requestUpdate(id, version), `Update to ${version} requested`, 'Update refused')
        }
      />
      <Divider style={{ margin: '12px 0' }} />
      <PromotionsSection promotions={landingZone.promotions ?? []} />
    </>
  );
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** The landing zone of the component on its page: status, links, approval, template, promotions. */
export function LandingZoneCard(props: LandingZoneCardProps) {
  const { entity } = useEntity();
  const id = landingZoneIdOf(entity);
  return (
    <InfoCard title="Landing zone" subheader={id}>
      {id ? (
        <LandingZoneDetails id={id} pollIntervalMs={props.pollIntervalMs ?? 5000} />
      ) : (
        <Typography variant="body2">
          This component was not made by Landing Zone: it has no {LANDING_ZONE_ID_ANNOTATION} annotation.
        </Typography>
      )}
    </InfoCard>
  );
}
