import { renderInTestApp } from '@backstage/frontend-test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { landingZoneApiRef } from '../../api/LandingZoneApi';
import type { LandingZoneStatus, TemplateUpdate } from '../../api/types';
import {
  BY_STATUS,
  completedLinks,
  entity,
  fakeApi,
  landingZone,
  refusal,
  type FakeApi,
} from '../../testUtils/landingZones';
import { LandingZoneCard } from './LandingZoneCard';

async function renderCard(api: FakeApi, annotations?: Record<string, string>) {
  return renderInTestApp(
    <EntityProvider entity={entity(annotations)}>
      <LandingZoneCard pollIntervalMs={60_000} />
    </EntityProvider>,
    { apis: [[landingZoneApiRef, api]] },
  );
}

/** Text as it shows: Backstage's Link adds ", Opens in a new window" for screen readers. */
function shown(element: Element | null): string {
  return (element?.textContent ?? '').replace(/, Opens in a new window/g, '');
}

/** A click, and what the card does right after it (the call, then reading again). */
async function click(button: HTMLElement): Promise<void> {
  await act(async () => {
    fireEvent.click(button);
  });
}

function section(name: string): HTMLElement {
  return screen.getByRole('region', { name });
}

describe('LandingZoneCard', () => {
  it('shows progress until the landing zone is read', async () => {
    const api = fakeApi(BY_STATUS.completed);
    api.getLandingZone.mockReturnValue(new Promise(() => {}));

    await renderCard(api);

    expect(await screen.findByRole('progressbar', {}, { timeout: 2000 })).toBeInTheDocument();
    expect(api.getLandingZone).toHaveBeenCalledWith('lz_0001');
  });

  it("says why it could not read the landing zone, in the service's words", async () => {
    const api = fakeApi(BY_STATUS.completed);
    api.getLandingZone.mockRejectedValue(await refusal(403, 'NotAllowedError', 'this credential lacks the scope landing-zones:read'));

    await renderCard(api);

    expect(await screen.findByText(/Landing zone could not be read/)).toBeInTheDocument();
    expect(screen.getAllByText(/lacks the scope landing-zones:read/).length).toBeGreaterThan(0);
  });

  it.each<[LandingZoneStatus, string, string | null]>([
    ['completed', 'Completed', null],
    ['pending_approval', 'Waiting for approval', null],
    ['provisioning', 'Provisioning', null],
    ['failed', 'Failed', 'Retry'],
    ['rejected', 'Rejected', null],
    ['cancelled', 'Cancelled', null],
  ])('shows a %s landing zone as "%s", offering %s', async (status, words, action) => {
    await renderCard(fakeApi(BY_STATUS[status]));

    expect(await screen.findByTestId('landing-zone-status')).toHaveTextContent(words);
    const buttons = screen.queryAllByRole('button', { name: /Retry/ }).map(b => b.textContent);
    expect(buttons).toEqual(action ? [action] : []);
  });

  it('lists every step with its status, and the reason a failed one stopped', async () => {
    await renderCard(fakeApi(BY_STATUS.failed));

    const steps = within(await screen.findByRole('list', { name: 'Steps' })).getAllByRole('listitem');
    expect(steps.map(s => s.textContent)).toEqual([
      'plan: succeeded', 'approve: skipped', 'render: succeeded', 'repository: succeeded',
      'environment: succeeded', 'pipelines: failed', 'record: pending', 'notify: pending',
    ]);
    expect(screen.getByText('pipelines: jenkins: folder labs is read-only')).toBeInTheDocument();
  });

  it('offers "Retry now" for a step waiting out an outage, naming the system and its error', async () => {
    const waiting = {
      step: 'repository', system: 'bitbucket', error: 'HTTP 503: Service Unavailable', attempts: 3,
      since: '2026-11-30T09:00:00Z', next_attempt_at: '2026-11-30T09:01:00Z',
    };
    const lz = landingZone('provisioning', { waiting: [waiting], steps: BY_STATUS.provisioning.steps });
    await renderCard(fakeApi(lz));

    expect(await screen.findByTestId('landing-zone-status')).toHaveTextContent('Provisioning, waiting on bitbucket');
    expect(screen.getByText(/repository waits for bitbucket \(attempt 3, next at .*\): HTTP 503/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Retry now' })).toBeInTheDocument();
  });

  it('shows every link of a completed landing zone by its title', async () => {
    await renderCard(fakeApi(BY_STATUS.completed));

    const links = within(await screen.findByRole('region', { name: 'Links' })).getAllByRole('link');
    expect(links.map(l => [shown(l), l.getAttribute('href')])).toEqual([
      ['Repository', completedLinks.repository],
      ['Environment repository', completedLinks.environment_repository],
      ['Build pipeline', completedLinks.build_pipeline],
      ['Promote pipeline', completedLinks.promote_pipeline],
      ['catalog-info.yaml', completedLinks.catalog_info],
      ['Clone URL', completedLinks.clone],
      ['Catalog entity', completedLinks.catalog_entity],
    ]);
  });

  it('never turns a value that is not a web address into a link', async () => {
    const links = { repository: 'javascript:alert(1)', build_pipeline: completedLinks.build_pipeline };
    await renderCard(fakeApi(landingZone('completed', { links })));

    const linked = within(await screen.findByRole('region', { name: 'Links' })).getAllByRole('link');
    expect(linked.map(shown)).toEqual(['Build pipeline']);
  });

  it.each<[LandingZoneStatus, string]>([
    ['completed', 'RITM0010001: approved by policy, no approval needed'],
    ['pending_approval', 'RITM0010002: waiting for approval'],
    ['rejected', 'RITM0010003: rejected'],
  ])('shows the ServiceNow request of a %s landing zone and its approval state', async (status, words) => {
    await renderCard(fakeApi(BY_STATUS[status]));

    expect(shown(await screen.findByTestId('landing-zone-approval'))).toBe(words);
    expect(within(section('ServiceNow request')).getByRole('link')).toHaveAttribute('href', completedLinks.approval);
  });

  it('shows the template version, that a newer one exists, and asks for the update', async () => {
    const api = fakeApi(BY_STATUS.completed);
    const opened: TemplateUpdate = {
      id: 'upd_1', landing_zone_id: 'lz_0001', from_version: '1.0.0', to_version: '1.0.1', status: 'opened',
      pull_request: { id: 7, url: `${completedLinks.repository}/pull-requests/7`, state: 'OPEN', branch: 'landingzone/update-1.0.1' },
      conflicts: [], created_at: '2026-11-30T10:00:00Z',
    };
    api.requestUpdate.mockResolvedValue(opened);
    await renderCard(api);

    expect(await screen.findByTestId('landing-zone-template')).toHaveTextContent('Template java 1.0.0; 1.0.1 is available');
    api.getUpdates.mockResolvedValue([opened]);
    await click(screen.getByRole('button', { name: 'Request update to 1.0.1' }));

    expect(await screen.findByRole('status')).toHaveTextContent('Update to 1.0.1 requested');
    expect(api.requestUpdate).toHaveBeenCalledWith('lz_0001', '1.0.1');
    expect(shown(await screen.findByTestId('landing-zone-update'))).toBe('Update to 1.0.1: opened, pull request #7 OPEN');
    expect(screen.queryByRole('button', { name: /Request update/ })).not.toBeInTheDocument();
  });

  it('offers no update when the landing zone is at the latest version', async () => {
    await renderCard(fakeApi(landingZone('completed', { template_version: '1.0.1' })));

    expect(await screen.findByTestId('landing-zone-template')).toHaveTextContent('Template java 1.0.1 (the latest)');
    expect(screen.queryByRole('button', { name: /Request update/ })).not.toBeInTheDocument();
  });

  it('shows the newest promotion of each environment with its change number', async () => {
    const change = (number: string, state: string) => ({
      number, url: `https://snow.example.com/change_request.do?sysparm_query=number=${number}`, state, type: 'normal' as const,
    });
    const promotions = [
      { id: 'p4', environment: 'prod', version: '2.0.1', digest: 'sha256:b', status: 'awaiting_approval', change: change('CHG0030002', 'authorize') },
      { id: 'p3', environment: 'test', version: '2.0.1', digest: 'sha256:b', status: 'succeeded', change: change('CHG0030001', 'closed') },
      { id: 'p2', environment: 'dev', version: '2.0.1', digest: 'sha256:b', status: 'succeeded', change: null },
      { id: 'p1', environment: 'dev', version: '2.0.0', digest: 'sha256:a', status: 'succeeded', change: null },
    ];
    await renderCard(fakeApi(landingZone('completed', { promotions })));

    const table = await screen.findByRole('table', { name: 'Promotions per environment' });
    const rows = within(table).getAllByRole('row').slice(1).map(r => within(r).getAllByRole('cell').map(shown));
    expect(rows).toEqual([
      ['dev', '2.0.1', 'succeeded', 'none'],
      ['test', '2.0.1', 'succeeded', 'CHG0030001 (closed)'],
      ['prod', '2.0.1', 'awaiting approval', 'CHG0030002 (authorize)'],
    ]);
  });

  it('retries a failed landing zone and shows it going again', async () => {
    const api = fakeApi(BY_STATUS.failed);
    api.retry.mockResolvedValue(BY_STATUS.provisioning);
    await renderCard(api);

    api.getLandingZone.mockResolvedValue(BY_STATUS.provisioning);
    await click(await screen.findByRole('button', { name: 'Retry' }));

    expect(await screen.findByRole('status')).toHaveTextContent('Retry requested');
    await waitFor(() => expect(screen.getByTestId('landing-zone-status')).toHaveTextContent('Provisioning'));
    expect(api.retry).toHaveBeenCalledWith('lz_0001');
  });

  it("shows the service's reason when it refuses the retry", async () => {
    const api = fakeApi(BY_STATUS.failed);
    api.retry.mockRejectedValue(await refusal(403, 'NotAllowedError', 'this credential lacks the scope landing-zones:operate'));
    await renderCard(api);

    await click(await screen.findByRole('button', { name: 'Retry' }));

    expect(await screen.findByRole('alert')).toHaveTextContent('Retry refused: this credential lacks the scope landing-zones:operate');
  });

  it('says so for a component Landing Zone did not make, and asks the service nothing', async () => {
    const api = fakeApi(BY_STATUS.completed);
    await renderCard(api, {});

    expect(await screen.findByText(/has no landingzone.io\/id annotation/)).toBeInTheDocument();
    expect(api.getLandingZone).not.toHaveBeenCalled();
  });
});
